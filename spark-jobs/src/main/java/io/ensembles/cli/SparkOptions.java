package io.ensembles.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/** The Spark options every job command shares. */
final class SparkOptions {
    private static final Pattern MASTER = Pattern.compile(
            "local(\\[(\\*|[1-9][0-9]*)(,[1-9][0-9]*)?])?|local-cluster\\[\\d+,\\d+,\\d+]|spark://[^\\s/]+(:\\d+)?(,[^\\s/]+(:\\d+)?)*|yarn|k8s://\\S+|mesos://\\S+");

    @Option(names = "--master", defaultValue = "local[*]",
            description = "Spark master URL (default: ${DEFAULT-VALUE}); e.g. local[2], spark://host:7077, yarn")
    String master;

    @Option(names = "--spark-conf", paramLabel = "KEY=VALUE",
            description = "A Spark property, repeatable; overrides conf/spark-defaults.conf (e.g. spark.task.cpus=2)")
    Map<String, String> sparkConf = new LinkedHashMap<>();

    @Option(names = "--driver-memory", defaultValue = "4g", description = "Driver heap (default: ${DEFAULT-VALUE})")
    String driverMemory;

    @Option(names = "--verbose", description = "Spark's own log (INFO) on the console too, and every log line of the "
            + "tasks; by default the console shows the jobs' progress and results")
    boolean verbose;

    @Option(names = "--in-spark", hidden = true, description = "Set by the launcher: run inside the Spark application")
    boolean inSpark;

    void validate() {
        if (!MASTER.matcher(master).matches()) {
            throw new CliException("invalid value for --master: " + master
                    + " (expected local, local[N], local[*], local[N,F], spark://host:port, yarn or k8s://...)");
        }
        if (!driverMemory.matches("[1-9][0-9]*[kmgtKMGT]?")) {
            throw new CliException("invalid value for --driver-memory: " + driverMemory + " (expected e.g. 4g or 2048m)");
        }
        for (Map.Entry<String, String> e : sparkConf.entrySet()) {
            if (!e.getKey().startsWith("spark.")) {
                throw new CliException("invalid --spark-conf key: " + e.getKey() + " (expected a Spark property spark.*)");
            }
        }
        Launcher.taskCpus(sparkConf);
    }

    /** The arguments the user gave after the subcommand's name, to hand to the Spark application. */
    static java.util.List<String> subcommandArgs(picocli.CommandLine.Model.CommandSpec spec) {
        java.util.List<String> all = spec.commandLine().getParseResult().originalArgs();
        int at = all.indexOf(spec.name());
        return new java.util.ArrayList<>(all.subList(at + 1, all.size()));
    }

    Launcher launcher() {
        return new Launcher(master, sparkConf, driverMemory, verbose);
    }
}

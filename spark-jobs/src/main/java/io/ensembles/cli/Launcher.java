package io.ensembles.cli;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Starts the Spark application for a validated command: through {@code $SPARK_HOME/bin/spark-submit}
 * when a Spark installation is present, otherwise through Spark's own {@code SparkSubmit} class on
 * the project's runtime classpath. Native thread counts follow {@code spark.task.cpus} and are put
 * in the environment before any JVM that loads ND4J starts.
 */
final class Launcher {
    static final String MAIN_CLASS = "io.ensembles.cli.EnsembleCli";

    private final String master;
    private final Map<String, String> sparkConf;
    private final String driverMemory;
    private final boolean verbose;

    Launcher(String master, Map<String, String> sparkConf, String driverMemory) {
        this(master, sparkConf, driverMemory, false);
    }

    /** {@code verbose}: the driver logs with conf/log4j2-verbose.properties (Spark's INFO log) instead of the quiet default. */
    Launcher(String master, Map<String, String> sparkConf, String driverMemory, boolean verbose) {
        this.verbose = verbose;
        this.master = master;
        this.sparkConf = new LinkedHashMap<>(sparkConf);
        this.driverMemory = driverMemory;
    }

    static File home() {
        String h = System.getProperty("ensembles.home");
        if (h == null) throw new IllegalStateException("ensembles.home is not set: start the jobs with submit/ensemble");
        return new File(h);
    }

    static File confDir() {
        return new File(home(), "conf");
    }

    /** spark-defaults.conf of the project, then --spark-conf overrides. */
    Map<String, String> effectiveSparkConf() throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        File defaults = new File(confDir(), "spark-defaults.conf");
        if (defaults.isFile()) {
            Properties p = new Properties();
            try (InputStream in = new FileInputStream(defaults)) {
                p.load(in);
            }
            for (String k : p.stringPropertyNames()) m.put(k, p.getProperty(k).trim());
        }
        m.putAll(sparkConf);
        return m;
    }

    static int taskCpus(Map<String, String> conf) {
        String v = conf.getOrDefault("spark.task.cpus", "1");
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 1) return n;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new CliException("invalid value for spark.task.cpus: " + v + " (expected a whole number >= 1)");
    }

    /** The command line and environment of the Spark application (exposed for tests). */
    List<String> command(String subcommand, List<String> jobArgs, Map<String, String> env) throws IOException {
        Map<String, String> conf = effectiveSparkConf();
        int threads = taskCpus(conf);
        for (String var : List.of("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")) {
            env.put(var, Integer.toString(threads));
            conf.putIfAbsent("spark.executorEnv." + var, Integer.toString(threads));
        }
        // Single-machine masters (local mode, a cluster on loopback) stay on loopback.
        if ((master.startsWith("local") || master.contains("://127.0.0.1") || master.contains("://localhost"))
                && System.getenv("SPARK_LOCAL_IP") == null) {
            env.put("SPARK_LOCAL_IP", "127.0.0.1");
        }
        String appJar = appJar();
        String log4j = new File(confDir(), verbose ? "log4j2-verbose.properties" : "log4j2.properties").getAbsolutePath();
        Properties jvm = jvmProperties();
        String opens = jvm.getProperty("java.module.opens", "");
        // the native build of this build's backend: oneDNN (CPU) or cuDNN (-Pcuda)
        String nd4j = io.ensembles.train.NativeRuntime.jvmOptionsForThisBuild(jvm.getProperty("java.nd4j.options", ""));
        // Executors need the ND4J options too; a user's own executor options come first.
        conf.merge("spark.executor.extraJavaOptions", nd4j, (user, ours) -> user + " " + ours);
        List<String> submitArgs = new ArrayList<>(List.of("--master", master, "--class", MAIN_CLASS,
                "--driver-memory", driverMemory));
        for (Map.Entry<String, String> e : conf.entrySet()) {
            submitArgs.add("--conf");
            submitArgs.add(e.getKey() + "=" + e.getValue());
        }
        submitArgs.add("--conf");
        submitArgs.add("spark.driver.extraJavaOptions=-Dlog4j.configurationFile=file:" + log4j + " " + nd4j);
        submitArgs.add(appJar);
        submitArgs.add(subcommand);
        submitArgs.addAll(jobArgs);
        submitArgs.add("--in-spark");

        List<String> cmd = new ArrayList<>();
        String sparkHome = System.getenv("SPARK_HOME");
        File sparkSubmit = sparkHome == null ? null : new File(sparkHome, "bin/spark-submit");
        if (sparkSubmit != null && sparkSubmit.canExecute()) {
            cmd.add(sparkSubmit.getAbsolutePath());
        } else {
            String cp = System.getProperty("ensembles.classpath");
            if (cp == null || cp.isBlank()) {
                throw new CliException("no Spark installation (SPARK_HOME) and no local runtime classpath: "
                        + "start the jobs with submit/ensemble");
            }
            cmd.add(new File(System.getProperty("java.home"), "bin/java").getAbsolutePath());
            cmd.add("-Xmx" + driverMemory);
            cmd.addAll(Arrays.asList(opens.trim().split("\\s+")));
            cmd.addAll(Arrays.asList(nd4j.trim().split("\\s+")));
            cmd.add("-Dlog4j.configurationFile=file:" + log4j);
            cmd.add("-cp");
            cmd.add(cp);
            cmd.add("org.apache.spark.deploy.SparkSubmit");
        }
        cmd.addAll(submitArgs);
        return cmd;
    }

    int launch(String subcommand, List<String> jobArgs) throws IOException, InterruptedException {
        Map<String, String> env = new LinkedHashMap<>();
        List<String> cmd = command(subcommand, jobArgs, env);
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().putAll(env);
        System.err.println("[ensemble] starting Spark (" + master + ", " + env.get("OMP_NUM_THREADS")
                + " native thread(s) per task): " + (cmd.get(0).endsWith("spark-submit") ? "spark-submit" : "SparkSubmit from the project's classpath"));
        Process p = pb.start();
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
        return p.waitFor();
    }

    private static String appJar() {
        try {
            File f = new File(EnsembleCli.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!f.isFile()) throw new CliException("the jobs must run from the application jar (found " + f + "): build with mvn package");
            return f.getAbsolutePath();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Properties jvmProperties() throws IOException {
        Properties p = new Properties();
        try (InputStream in = new FileInputStream(new File(confDir(), "jvm.properties"))) {
            p.load(in);
        }
        return p;
    }
}

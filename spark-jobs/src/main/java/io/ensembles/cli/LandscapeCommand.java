package io.ensembles.cli;

import io.ensembles.jobs.LandscapeJob;
import io.ensembles.jobs.SparkSupport;
import io.ensembles.landscape.LandscapeResult;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.Manifest;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "landscape", mixinStandardHelpOptions = true,
        description = {"The loss-landscape view of stored ensembles: weight-space cosine similarity and "
                + "function-space disagreement between every pair of checkpoints, a t-SNE map of their "
                + "predictions with one path per trajectory, ensemble-size curves of independent members against "
                + "checkpoints of one run, and the loss along the line between two solutions. One Spark task per "
                + "checkpoint.",
                "Checkpoints: the snapshots of a snapshot run (one trajectory); every epoch of a member trained "
                + "with training.keep-checkpoints = true (one trajectory per member, ending in the member); any "
                + "other member (a trajectory of one point).",
                "Writes landscape.json and landscape.html into --out (default: the first ensemble's folder) and "
                + "links them from that folder's evaluation report."})
final class LandscapeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--ensemble", required = true, paramLabel = "URI",
            description = "An ensemble folder; repeatable (e.g. a deep ensemble and an SSE run of the same model)")
    List<String> ensembles;

    @Option(names = "--points", paramLabel = "N", defaultValue = "1000",
            description = "Test points every member predicts (the first N of the first ensemble's test set; default: ${DEFAULT-VALUE})")
    int points;

    @Option(names = "--steps", paramLabel = "S", defaultValue = "10",
            description = "Segments of each interpolation line (S + 1 points; default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--out", paramLabel = "URI", description = "Where landscape.json and landscape.html go")
    String out;

    @Mixin
    SparkOptions spark;

    @Override
    public Integer call() throws Exception {
        spark.validate();
        if (points < 1) throw new CliException("invalid value for --points: " + points + " (expected a whole number >= 1)");
        if (steps < 1) throw new CliException("invalid value for --steps: " + steps + " (expected a whole number >= 1)");
        for (String e : ensembles) Manifest.read(new EnsembleLayout(Fs.qualify(e)));
        String folder = out != null ? out : ensembles.get(0);
        if (!spark.inSpark) return spark.launcher().launch("landscape", SparkOptions.subcommandArgs(spec));
        SparkSession session = SparkSupport.session("ensemble landscape");
        LandscapeResult r;
        try {
            r = LandscapeJob.run(session, ensembles, points, steps, folder);
        } finally {
            session.stop();
        }
        System.out.println(r.summary());
        System.out.println("landscape: " + Fs.qualify(folder) + "/landscape.html");
        return EnsembleCli.OK;
    }
}

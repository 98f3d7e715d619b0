package io.ensembles.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The method comparison table (docs/benchmarks) from a folder of evaluated ensembles (one sub-folder
 * per run, each with manifest.json and metrics.json, as submit/compare-methods writes them): per
 * run, the ensemble at size 1, at the largest size within 1B and within 2B of training, and at its
 * largest size, with error, NLL, ECE and the run's training wall time. Markdown on stdout.
 */
public final class MethodsTable {
    private MethodsTable() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1 || !new File(args[0]).isDirectory()) {
            System.err.println("usage: MethodsTable FOLDER   (a folder of evaluated ensembles)");
            System.exit(2);
        }
        ObjectMapper om = new ObjectMapper();
        File[] runs = new File(args[0]).listFiles(f -> new File(f, "metrics.json").isFile());
        if (runs == null || runs.length == 0) {
            System.err.println("no evaluated ensemble (manifest.json + metrics.json) under " + args[0]);
            System.exit(1);
        }
        java.util.Arrays.sort(runs, java.util.Comparator.comparing(File::lastModified));
        StringBuilder sb = new StringBuilder();
        sb.append("| method | run | members | budget | test error % | test NLL | ECE | training wall s (cores) |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (File run : runs) {
            JsonNode manifest = om.readTree(new File(run, "manifest.json"));
            JsonNode metrics = om.readTree(new File(run, "metrics.json"));
            List<JsonNode> ens = new ArrayList<>();
            for (JsonNode r : metrics.get("rows")) if (r.get("kind").asText().equals("ensemble")) ens.add(r);
            Set<Integer> sizes = new LinkedHashSet<>();
            sizes.add(1);
            for (double b : new double[] {1, 2}) {
                int best = -1;
                for (JsonNode r : ens) if (r.get("budget").asDouble() <= b + 1e-6) best = r.get("size").asInt();
                if (best > 0) sizes.add(best);
            }
            sizes.add(ens.size());
            if (io.ensembles.config.Method.MC_DROPOUT.is(manifest.get("method").asText()) && ens.size() >= 5) sizes.add(5);
            String master = manifest.get("run").get("master").asText();
            if (io.ensembles.config.Method.DEEP.is(manifest.get("method").asText())) {
                // the single model: every deep member alone, mean and standard deviation over the members
                List<JsonNode> members = new ArrayList<>();
                for (JsonNode r : metrics.get("rows")) if (r.get("kind").asText().equals("member")) members.add(r);
                sb.append(String.format(Locale.ROOT, "| single model | %s (%d members, mean ± sd) | 1 | %.2fB | %s | %s | %s | |%n",
                        run.getName(), members.size(), members.get(0).get("budget").asDouble(),
                        meanSd(members, "error", 100, 2), meanSd(members, "nll", 1, 4), meanSd(members, "ece", 1, 4)));
            }
            String cores = master.replaceAll("local\\[(\\d+)]", "$1");
            double wall = manifest.get("run").get("wallSeconds").asDouble();
            for (int size : new java.util.TreeSet<>(sizes)) {
                JsonNode r = ens.get(size - 1);
                sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %.2fB | %.2f | %.4f | %.4f | %.0f (%s) |%n",
                        manifest.get("method").asText(), run.getName(), size, r.get("budget").asDouble(),
                        100 * r.get("error").asDouble(), r.get("nll").asDouble(), r.get("ece").asDouble(), wall,
                        cores));
            }
        }
        System.out.print(sb);
    }

    private static String meanSd(List<JsonNode> rows, String key, double scale, int digits) {
        double sum = 0;
        double sq = 0;
        for (JsonNode r : rows) {
            double v = scale * r.get(key).asDouble();
            sum += v;
            sq += v * v;
        }
        int n = rows.size();
        double mean = sum / n;
        double sd = n > 1 ? Math.sqrt(Math.max(0, (sq - n * mean * mean) / (n - 1))) : 0;
        return String.format(Locale.ROOT, "%." + digits + "f ± %." + digits + "f", mean, sd);
    }
}

package io.ensembles.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The Packed-Ensembles table (docs/benchmarks) from the folder submit/compare-packed fills: quality
 * from the side-by-side evaluation ({@code comparison.json}: error, NLL, ECE, OOD AUROC of each run
 * at its full size, the single model being the deep ensemble's first member), training time from
 * the runs' manifests (the task seconds of every trained network, one thread each), and parameters,
 * training memory and inference time from submit/bench-packed ({@code bench.jsonl}, one thread,
 * a fresh JVM per configuration). Markdown on stdout.
 */
public final class PackedTable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PackedTable() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1 || !new File(args[0], "comparison.json").isFile() || !new File(args[0], "bench.jsonl").isFile()) {
            System.err.println("usage: PackedTable FOLDER   (with comparison.json and bench.jsonl, as submit/compare-packed writes them)");
            System.exit(2);
        }
        System.out.print(table(new File(args[0])));
    }

    static String table(File dir) throws IOException {
        Map<String, JsonNode> bench = new LinkedHashMap<>();
        for (String line : Files.readAllLines(new File(dir, "bench.jsonl").toPath())) {
            if (line.startsWith("{")) {
                JsonNode n = JSON.readTree(line);
                bench.put(n.get("config").asText(), n);
            }
        }
        Map<String, List<JsonNode>> rows = new LinkedHashMap<>();
        for (JsonNode r : JSON.readTree(new File(dir, "comparison.json")).get("rows")) {
            rows.computeIfAbsent(r.get("ensemble").asText(), k -> new ArrayList<>()).add(r);
        }
        JsonNode deepBench = require(bench, "deep");
        StringBuilder sb = new StringBuilder();
        sb.append("| configuration | members | parameters | x DE | training peak MiB | training s | x DE "
                + "| inference s/1000 | x DE | test error % | NLL | ECE | OOD AUROC |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        double deepTraining = trainingSeconds(new File(dir, "deep"));
        List<JsonNode> deep = requireRun(rows, "deep");
        line(sb, "single model (DE member 1)", require(bench, "single"), deepBench, deep.get(0),
                deepTraining / deep.size(), deepTraining);
        line(sb, "deep ensemble", deepBench, deepBench, deep.get(deep.size() - 1), deepTraining, deepTraining);
        for (var e : rows.entrySet()) {
            if (!e.getKey().startsWith("packed-")) continue;
            String config = e.getKey().substring("packed-".length()).replace('-', ',');
            JsonNode b = require(bench, config);
            List<JsonNode> r = e.getValue();
            line(sb, "Packed-Ensemble " + b.get("label").asText().replaceFirst("^packed ", ""), b, deepBench,
                    r.get(r.size() - 1), trainingSeconds(new File(dir, e.getKey())), deepTraining);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String label, JsonNode bench, JsonNode deepBench, JsonNode quality,
                             double training, double deepTraining) {
        double params = bench.get("parameters").asDouble();
        double infer = bench.get("inferenceSecondsPer1000").asDouble();
        double deepInfer = deepBench.get("inferenceSecondsPer1000").asDouble();
        sb.append(String.format(Locale.ROOT, "| %s | %d | %,d | %.2f | %.0f | %.0f | %.2f | %.3f | %.2f | %.2f | %.4f | %.4f | %.4f |%n",
                label, quality.get("size").asInt(), bench.get("parameters").asLong(),
                params / deepBench.get("parameters").asDouble(), bench.get("trainingPeakMiB").asDouble(),
                training, training / deepTraining, infer, infer / deepInfer, 100 * quality.get("error").asDouble(),
                quality.get("nll").asDouble(), quality.get("ece").asDouble(), quality.get("oodAurocEntropy").asDouble()));
    }

    /** The task seconds of every network the run trained (a packed network's members share one). */
    static double trainingSeconds(File run) throws IOException {
        JsonNode manifest = JSON.readTree(new File(run, "manifest.json"));
        Set<String> seen = new LinkedHashSet<>();
        double sum = 0;
        for (JsonNode m : manifest.get("members")) {
            if (seen.add(m.get("path").asText())) sum += m.get("trainingSeconds").asDouble();
        }
        return sum;
    }

    private static JsonNode require(Map<String, JsonNode> bench, String config) {
        JsonNode n = bench.get(config);
        if (n == null) throw new IllegalArgumentException("bench.jsonl has no configuration " + config);
        return n;
    }

    private static List<JsonNode> requireRun(Map<String, List<JsonNode>> rows, String name) {
        List<JsonNode> r = rows.get(name);
        if (r == null) throw new IllegalArgumentException("comparison.json has no ensemble " + name);
        return r;
    }
}

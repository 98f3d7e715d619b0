package io.ensembles.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.util.Locale;

/**
 * The table of the papers' recipes (submit/compare-recipes): one row per ensemble folder, in the
 * order given, with its method, rate and clipping, how many of its members the evaluation used
 * (the others collapsed or failed), the whole ensemble's test error, NLL, calibrated NLL, ECE and
 * OOD AUROC (max-probability and entropy scores), the lowest validation accuracy of a used member
 * and the best single member's test error. A folder whose every member collapsed has a row too,
 * without metrics. Markdown on stdout.
 */
public final class RecipesTable {
    private RecipesTable() {}

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: RecipesTable FOLDER...   (ensemble folders, each with manifest.json)");
            System.exit(2);
        }
        ObjectMapper om = new ObjectMapper();
        StringBuilder sb = new StringBuilder();
        sb.append("| run | method | rate | clip | members used | error % | NLL | cal NLL | ECE | OOD AUROC max-p | "
                + "OOD AUROC entropy | lowest val acc used | best member error % |\n");
        sb.append("|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String folder : args) sb.append(row(om, new File(folder)));
        System.out.print(sb);
    }

    /** One folder's row: its members used, then the full ensemble's metrics when it was evaluated. */
    private static String row(ObjectMapper om, File run) throws IOException {
        File mf = new File(run, "manifest.json");
        if (!mf.isFile()) {
            return String.format("| %s | (not trained) |||||||||||%n", run.getName());
        }
        JsonNode manifest = om.readTree(mf);
        JsonNode training = manifest.path("config").path("training");
        int used = 0;
        int total = 0;
        double lowestVal = Double.NaN;
        StringBuilder left = new StringBuilder();
        for (JsonNode m : manifest.get("members")) {
            total++;
            String status = m.get("status").asText();
            if (status.equals("completed")) {
                used++;
                double v = m.get("validationAccuracy").asDouble();
                lowestVal = Double.isNaN(lowestVal) ? v : Math.min(lowestVal, v);
            } else {
                left.append(left.length() == 0 ? "" : ", ").append(m.get("id").asText()).append(' ').append(status);
            }
        }
        String members = used + " of " + total + (left.length() == 0 ? "" : " (" + left + ")");
        String head = String.format(Locale.ROOT, "| %s | %s | %s | %s | %s ", run.getName(),
                manifest.get("method").asText(), training.path("learning-rate").asText(),
                training.path("clip-norm").asText(), members);
        File metricsFile = new File(run, "metrics.json");
        if (!metricsFile.isFile()) {
            return head + "| - | - | - | - | - | - | - | - |\n";
        }
        JsonNode metrics = om.readTree(metricsFile);
        JsonNode full = null;
        double bestMember = Double.NaN;
        for (JsonNode r : metrics.get("rows")) {
            String kind = r.get("kind").asText();
            if (kind.equals("ensemble") && (full == null || r.get("size").asInt() > full.get("size").asInt())) full = r;
            if (kind.equals("member")) {
                double e = r.get("error").asDouble();
                bestMember = Double.isNaN(bestMember) ? e : Math.min(bestMember, e);
            }
        }
        if (full == null) throw new IOException(metricsFile + ": no ensemble row");
        int k = full.get("size").asInt();
        return head + String.format(Locale.ROOT,
                "| %.2f | %.4f | %.4f | %.4f | %s | %s | %.4f | %.2f |%n", 100 * full.get("error").asDouble(),
                full.get("nll").asDouble(), full.get("calibratedNll").asDouble(), full.get("ece").asDouble(),
                auroc(metrics, k, "max-probability"), auroc(metrics, k, "entropy"), lowestVal, 100 * bestMember);
    }

    private static String auroc(JsonNode metrics, int size, String score) {
        for (JsonNode o : metrics.path("ood")) {
            if (o.get("size").asInt() == size && o.get("score").asText().equals(score)) {
                return String.format(Locale.ROOT, "%.4f", o.get("auroc").asDouble());
            }
        }
        return "-";
    }
}

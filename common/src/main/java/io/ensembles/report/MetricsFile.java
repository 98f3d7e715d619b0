package io.ensembles.report;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ensembles.fs.Fs;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.store.Json;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An evaluation's {@code metrics.json} (docs/format.md): the report's rows and parts with the record
 * of how the run went, written and read back, and the {@code report.html} beside it, which is always
 * rendered from those two files and the folder's {@code landscape.json}: a report is re-rendered,
 * never edited.
 */
public final class MetricsFile {
    private MetricsFile() {}

    /** A metrics.json read back: the report and the method of the evaluated ensemble. */
    public record Stored(EvaluationReport report, String method, String evaluatedAt) {}

    /**
     * The JSON object of {@code report}: its name, size and time ({@code evaluatedAt}, ISO 8601), then
     * the fields of {@code run} (a record or a map), then the report's cost, input, rows and parts.
     */
    public static Map<String, Object> toJson(EvaluationReport report, Object run, String evaluatedAt) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ensemble", report.ensemble());
        m.put("testExamples", report.examples());
        m.put("evaluatedAt", evaluatedAt);
        m.putAll(Json.MAPPER.convertValue(run, new TypeReference<Map<String, Object>>() {}));
        if (report.cost() != null) m.put("cost", report.cost());
        if (report.input() != null) m.put("input", report.input());
        m.put("leftOut", report.leftOut());
        m.put("rows", report.rows());
        if (!report.ood().isEmpty()) m.put("ood", report.ood());
        if (!report.shift().isEmpty()) m.put("shift", report.shift());
        if (!report.reliability().isEmpty()) m.put("reliability", report.reliability());
        if (!report.oodHistograms().isEmpty()) m.put("oodHistograms", report.oodHistograms());
        return m;
    }

    /** Writes {@code folder}'s metrics.json, then its report.html from it. */
    public static void write(EnsembleLayout folder, EvaluationReport report, Object run, String method,
                             String evaluatedAt) throws IOException {
        Fs.writeString(folder.metrics(), Json.write(toJson(report, run, evaluatedAt)), true);
        writeReport(folder, new Stored(report, method, evaluatedAt));
    }

    /** Reads a metrics.json written by {@link #write}. */
    public static Stored read(String uri) throws IOException {
        ObjectMapper json = Json.MAPPER;
        JsonNode m = json.readTree(Fs.readString(uri));
        EvaluationReport r = EvaluationReport.restored(m.path("ensemble").asText(), m.path("testExamples").asInt(),
                list(json, m, "rows", new TypeReference<List<EvaluationReport.Row>>() {}));
        r.withLeftOut(list(json, m, "leftOut", new TypeReference<List<EvaluationReport.LeftOut>>() {}));
        r.withOod(list(json, m, "ood", new TypeReference<List<OodEvaluation.Row>>() {}));
        r.withShift(list(json, m, "shift", new TypeReference<List<ShiftEvaluation.Row>>() {}));
        r.withReliability(list(json, m, "reliability", new TypeReference<List<EvaluationReport.Reliability>>() {}));
        r.withOodHistograms(list(json, m, "oodHistograms", new TypeReference<List<OodEvaluation.Histogram>>() {}));
        if (m.has("cost")) r.withCost(json.convertValue(m.get("cost"), EvaluationReport.Cost.class));
        if (m.has("input")) r.withInput(json.convertValue(m.get("input"), EvaluationReport.Input.class));
        // a file written before the time was recorded: its own modification time
        String at = m.hasNonNull("evaluatedAt") ? m.get("evaluatedAt").asText()
                : java.time.Instant.ofEpochMilli(Fs.modifiedMillis(uri)).atZone(java.time.ZoneId.systemDefault())
                        .format(java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        return new Stored(r, m.path("method").asText(null), at);
    }

    private static <T> List<T> list(ObjectMapper json, JsonNode m, String field, TypeReference<List<T>> type) {
        return m.has(field) ? json.convertValue(m.get(field), type) : List.of();
    }

    /** Renders {@code folder}'s report.html from {@code stored} and the folder's landscape, if it has one. */
    public static void writeReport(EnsembleLayout folder, Stored stored) throws IOException {
        List<Comparison.Entry> self = List.of(new Comparison.Entry(folder.name(), stored.method(), stored.report()));
        Fs.writeString(folder.report(), HtmlReport.render("Evaluation of " + stored.report().ensemble(), self,
                Comparison.compute(self), LandscapeLink.of(folder), stored.evaluatedAt()), true);
    }

    /**
     * Renders {@code folder}'s report.html again from its metrics.json (after a landscape was measured
     * there); false when the folder has no evaluation to render.
     */
    public static boolean refreshReport(EnsembleLayout folder) throws IOException {
        if (!Fs.exists(folder.metrics())) return false;
        writeReport(folder, read(folder.metrics()));
        return true;
    }
}

package io.ensembles.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ensembles.data.Corruptions;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class HtmlReportTest {
    private static final int C = 3;

    private static List<float[]> members(Random rnd, int k, int n, int[] y, double skill) {
        List<float[]> out = new ArrayList<>();
        for (int m = 0; m < k; m++) {
            float[] p = new float[n * C];
            for (int i = 0; i < n; i++) {
                double[] z = new double[C];
                double s = 0;
                for (int c = 0; c < C; c++) {
                    z[c] = Math.exp(rnd.nextGaussian() + (y != null && c == y[i] ? skill : 0));
                    s += z[c];
                }
                for (int c = 0; c < C; c++) p[i * C + c] = (float) (z[c] / s);
            }
            out.add(p);
        }
        return out;
    }

    private static Comparison.Entry entry(String name, String method, int k, Random rnd) {
        int n = 400;
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = rnd.nextInt(C);
        List<float[]> test = members(rnd, k, n, y, 2.0);
        List<float[]> ood = members(rnd, k, 200, null, 0);
        List<String> ids = new ArrayList<>();
        double[] spent = new double[k];
        for (int m = 0; m < k; m++) {
            ids.add("m00" + m);
            spent[m] = 1;
        }
        EvaluationReport r = EvaluationReport.compute(name, ids, test, spent, 1, y, C, 15, 2);
        r.withOod(OodEvaluation.compute(test, ood, C));
        OodEvaluation.Histograms h = new OodEvaluation.Histograms(C).add(test, false).add(ood, true);
        r.withOodHistograms(h.rows());
        List<Map<String, float[]>> shifted = new ArrayList<>();
        for (int m = 0; m < k; m++) {
            Map<String, float[]> each = new LinkedHashMap<>();
            for (String c : Corruptions.NAMES) {
                for (int s = 1; s <= 5; s++) each.put(ShiftEvaluation.key(c, s), members(rnd, 1, n, y, 2.0 - 0.3 * s).get(0));
            }
            shifted.add(each);
        }
        r.withShift(ShiftEvaluation.compute(shifted, y, C, 15));
        r.withCost(new EvaluationReport.Cost(1000L * k, 12.5, 0.02 * k));
        return new Comparison.Entry(name, method, r);
    }

    @Test
    void everySectionIsDrawnAsAPngAndNamesAreEscaped() throws Exception {
        Random rnd = new Random(5);
        List<Comparison.Entry> entries = List.of(entry("deep", "deep", 4, rnd), entry("<sse>", "sse", 3, rnd));
        String html = HtmlReport.render("Evaluation & test", entries, Comparison.compute(entries));
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.contains("Evaluation &amp; test"));
        assertTrue(html.contains("&lt;sse&gt;"));
        assertFalse(html.contains("<sse>"));
        for (String section : List.of("Headline numbers", "against ensemble size", "against training budget",
                "Reliability diagrams", "Out-of-distribution scores", "Distribution shift", "Deep-ensemble equivalent")) {
            assertTrue(html.contains(section), section);
        }
        Matcher m = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
        int images = 0;
        while (m.find()) {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(1))));
            assertNotNull(img, "image " + images + " decodes");
            assertEquals(560, img.getWidth());
            assertEquals(360, img.getHeight());
            images++;
        }
        // 6 size curves, 2 budget curves, 2 reliability diagrams, 2 x 2 OOD histograms, 2 + 2 shift, 1 DEE
        assertEquals(6 + 2 + 2 + 4 + 2 + 2 + 1, images);
        // the costs reach the headline table
        assertTrue(html.contains("4,000"), "parameters of the deep ensemble");
    }

    @Test
    void theLandscapePartLinksTheFoldersLandscapeOrSaysHowToMakeOne() {
        String none = new LandscapeLink("file:/data/<deep>", null).html();
        assertTrue(none.contains("Not measured yet") && none.contains("file:/data/&lt;deep&gt;"), none);
        String linked = new LandscapeLink("f", "within 0.9 & across 0.1").html();
        assertTrue(linked.contains("<a href=\"landscape.html\">") && linked.contains("within 0.9 &amp; across 0.1")
                && !linked.contains("Not measured yet"), linked);
        Random rnd = new Random(6);
        List<Comparison.Entry> one = List.of(entry("deep", "deep", 2, rnd));
        String page = HtmlReport.render("x", one, Comparison.compute(one), new LandscapeLink("f", "s"), "then");
        // one section, at the end of the page
        assertEquals(1, page.split("<section id=\"landscape\">", -1).length - 1);
        assertTrue(page.endsWith("</section>\n</body></html>\n"), page.substring(page.length() - 80));
        assertTrue(page.contains("Generated then."));
    }

    /**
     * metrics.json round-trips: the report read back has the same rows and parts, and the page
     * rendered from the file is the page the evaluation wrote, so a later landscape changes only
     * its own part of it.
     */
    @Test
    void theMetricsFileReadsBackAndTheReportIsRenderedAgainFromIt(@org.junit.jupiter.api.io.TempDir
                                                                 java.nio.file.Path dir) throws Exception {
        Random rnd = new Random(7);
        EvaluationReport r = entry("deep", "deep", 3, rnd).report();
        r.withLeftOut(List.of(new EvaluationReport.LeftOut("m009", "failed", "diverged")));
        r.withInput(new EvaluationReport.Input("[3]", List.of("a", "b", "c")));
        io.ensembles.store.EnsembleLayout folder = new io.ensembles.store.EnsembleLayout(dir.toUri().toString());
        MetricsFile.write(folder, r, Map.of("method", "deep", "eceBins", 15), "deep", "2026-12-02T10:00:00Z");
        String written = java.nio.file.Files.readString(dir.resolve("report.html"));
        assertTrue(written.contains("Not measured yet"));

        MetricsFile.Stored back = MetricsFile.read(folder.metrics());
        assertEquals("deep", back.method());
        assertEquals("2026-12-02T10:00:00Z", back.evaluatedAt());
        assertEquals(r.rows(), back.report().rows());
        assertEquals(r.ood(), back.report().ood());
        assertEquals(r.shift(), back.report().shift());
        assertEquals(r.leftOut(), back.report().leftOut());
        assertEquals(r.input(), back.report().input());
        assertEquals(r.cost(), back.report().cost());
        assertEquals(r.reliability(), back.report().reliability());
        assertEquals(r.oodHistograms().size(), back.report().oodHistograms().size());
        assertEquals(r.table(), back.report().table());

        assertTrue(MetricsFile.refreshReport(folder));
        assertEquals(written, java.nio.file.Files.readString(dir.resolve("report.html")), "the same page again");
        java.nio.file.Files.writeString(dir.resolve("landscape.json"), io.ensembles.store.Json.write(
                new io.ensembles.landscape.LandscapeResult(10, List.of(), List.of(), null, null, null, null, List.of(),
                        List.of())));
        assertTrue(MetricsFile.refreshReport(folder));
        String after = java.nio.file.Files.readString(dir.resolve("report.html"));
        int section = written.indexOf("<section id=\"landscape\">");
        assertEquals(written.substring(0, section), after.substring(0, section), "the rest of the report is kept");
        assertTrue(after.contains("<a href=\"landscape.html\">") && !after.contains("Not measured yet"));
        assertFalse(MetricsFile.refreshReport(new io.ensembles.store.EnsembleLayout(dir.resolve("none").toUri()
                .toString())), "no evaluation, no report");
    }
}

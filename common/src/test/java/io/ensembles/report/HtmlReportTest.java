package io.ensembles.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
        r.withCost(Map.of("parameters", 1000 * k, "trainingWallSeconds", 12.5, "inferenceSecondsPer1000", 0.02 * k));
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
    void theLandscapePartIsReplacedInPlaceOrAddedToAnOlderReport() {
        String none = HtmlReport.landscapeSection(null, "file:/data/<deep>");
        assertTrue(none.contains("Not measured yet") && none.contains("file:/data/&lt;deep&gt;"), none);
        String html = "<html><body><h1>x</h1>\n" + none + "<p>after</p></body></html>\n";
        String linked = HtmlReport.withLandscape(html, HtmlReport.landscapeSection("within 0.9 & across 0.1", "f"));
        assertEquals("<html><body><h1>x</h1>\n", linked.substring(0, linked.indexOf("<section")));
        assertTrue(linked.contains("<a href=\"landscape.html\">") && linked.contains("within 0.9 &amp; across 0.1")
                && !linked.contains("Not measured yet") && linked.endsWith("<p>after</p></body></html>\n"), linked);
        // running it again replaces, never duplicates
        String again = HtmlReport.withLandscape(linked, HtmlReport.landscapeSection("second", "f"));
        assertEquals(1, again.split("<section id=\"landscape\">", -1).length - 1);
        assertTrue(again.contains("second") && !again.contains("within 0.9"));
        // a report written before the section existed gets it before </body>
        String old = HtmlReport.withLandscape("<html><body><h1>x</h1></body></html>", none);
        assertTrue(old.startsWith("<html><body><h1>x</h1><section") && old.endsWith("</section>\n</body></html>"), old);
        assertThrows(IllegalArgumentException.class, () -> HtmlReport.withLandscape("plain text", none));
    }
}

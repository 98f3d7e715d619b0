package io.ensembles.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DigitsCsvReaderTest {
    @TempDir
    Path dir;

    private static String row(int level, int label) {
        return String.join(",", Collections.nCopies(64, Integer.toString(level))) + "," + label;
    }

    private String file(String name, String text, boolean gzip) throws Exception {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        return IdxFiles.write(dir, name, gzip ? IdxFiles.gzip(b) : b);
    }

    @Test
    void upscalesToMnistLayout() throws Exception {
        ExampleSet d = DigitsCsvReader.read(file("d.csv.gz", row(16, 7) + "\n" + row(8, 2) + "\n", true), 0);
        assertEquals(2, d.size());
        assertEquals(28, d.shape().height());
        assertEquals(28, d.shape().width());
        assertArrayEquals(new int[] {7, 2}, d.labels());
        // a uniform 8x8 image becomes a uniform 20x20 square with a 4-pixel empty margin
        assertEquals(255, d.pixel(0, 4 * 28 + 4));
        assertEquals(255, d.pixel(0, 23 * 28 + 23));
        assertEquals(0, d.pixel(0, 3 * 28 + 10));
        assertEquals(0, d.pixel(0, 24 * 28 + 10));
        assertEquals(128, d.pixel(1, 14 * 28 + 14));
    }

    @Test
    void bilinearKeepsAGradientMonotone() {
        double[] src = new double[64];
        for (int y = 0; y < 8; y++) for (int x = 0; x < 8; x++) src[y * 8 + x] = x * 2;
        byte[] img = DigitsCsvReader.upscale(src);
        int prev = -1;
        for (int x = 4; x < 24; x++) {
            int v = img[10 * 28 + x] & 0xFF;
            assertTrue(v >= prev, "monotone along x");
            prev = v;
        }
        assertEquals(0, img[10 * 28 + 4] & 0xFF);
        assertEquals(Math.round(14 * 255.0 / 16), img[10 * 28 + 23] & 0xFF);
    }

    private String fail(String text) throws Exception {
        String f = file("bad.csv", text, false);
        DataFormatException e = assertThrows(DataFormatException.class, () -> DigitsCsvReader.read(f, 0));
        assertEquals(1, e.getMessage().lines().count());
        assertTrue(e.getMessage().startsWith(f), e.getMessage());
        return e.getMessage();
    }

    @Test
    void malformedRowsAreNamed() throws Exception {
        assertTrue(fail(row(1, 1) + "\n1,2,3\n").contains("line 2 has 3 columns, expected 65"));
        assertTrue(fail(row(1, 1).replaceFirst("1", "x")).contains("line 1 column 1 is 'x'"));
        assertTrue(fail(row(17, 1)).contains("grey level 17, expected 0..16"));
        // NaN features: every comparison with NaN is false, so they once passed as grey level 0
        assertTrue(fail(row(1, 1).replaceFirst("1", "NaN")).contains("line 1 column 1 has grey level NaN, expected 0..16"));
        assertTrue(fail(row(1, 1).replaceFirst("1", "Infinity")).contains("grey level Infinity"));
        assertTrue(fail(row(1, 1).replaceFirst(",1$", ",NaN")).contains("label NaN"));
        assertTrue(fail(row(3, 10)).contains("label 10"));
        assertTrue(fail("\n\n").contains("is empty"));
    }

    @org.junit.jupiter.api.Test
    void theOodSetIsOptionalAndMustBeADigitsCsv() {
        var none = io.ensembles.config.EnsembleConfig.defaults().data();
        org.junit.jupiter.api.Assertions.assertNull(DataLoader.ood(none));
        var idx = io.ensembles.config.EnsembleConfig.from(com.typesafe.config.ConfigFactory.parseString(
                "data.ood-images = \"file:///tmp/t10k-images-idx3-ubyte.gz\""), java.util.Map.of()).data();
        DataFormatException e = org.junit.jupiter.api.Assertions.assertThrows(DataFormatException.class,
                () -> DataLoader.ood(idx));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("is not a digits CSV"), e.getMessage());
    }
}

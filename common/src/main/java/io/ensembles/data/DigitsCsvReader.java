package io.ensembles.data;

import io.ensembles.fs.Fs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads scikit-learn's handwritten digits ({@code digits.csv.gz}: 64 pixel columns of grey
 * levels 0..16, then the label 0..9) and upscales each 8x8 image to 28x28 the way MNIST lays
 * its digits out: bilinear to 20x20, centred with a 4-pixel margin, grey levels scaled to 0..255.
 * Used as the out-of-distribution set for models trained on Fashion-MNIST.
 */
public final class DigitsCsvReader {
    public static final int SIDE = 28;
    static final int SOURCE_SIDE = 8;
    static final int INNER = 20;
    static final int MAX_LEVEL = 16;

    private DigitsCsvReader() {}

    public static ExampleSet read(String uri, int limit) {
        List<byte[]> images = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(Fs.openMaybeGzip(uri), StandardCharsets.US_ASCII))) {
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null && (limit <= 0 || images.size() < limit)) {
                lineNo++;
                if (line.isBlank()) continue;
                String[] cells = line.split(",");
                if (cells.length != SOURCE_SIDE * SOURCE_SIDE + 1) {
                    throw new DataFormatException(uri, "line " + lineNo + " has " + cells.length
                            + " columns, expected 65 (64 pixels then the label)");
                }
                double[] src = new double[SOURCE_SIDE * SOURCE_SIDE];
                for (int i = 0; i < src.length; i++) {
                    double v = number(cells[i], uri, lineNo, i + 1);
                    if (!(v >= 0 && v <= MAX_LEVEL)) { // written so that NaN is refused too
                        throw new DataFormatException(uri, "line " + lineNo + " column " + (i + 1)
                                + " has grey level " + cells[i].trim() + ", expected 0..16");
                    }
                    src[i] = v;
                }
                double label = number(cells[64], uri, lineNo, 65);
                if (label != Math.rint(label) || label < 0 || label > 9) {
                    throw new DataFormatException(uri, "line " + lineNo + " has label " + cells[64].trim()
                            + ", expected a whole number 0..9");
                }
                images.add(upscale(src));
                labels.add((int) label);
            }
        } catch (IOException e) {
            throw new DataFormatException(uri, "cannot be read: " + e.getMessage(), e);
        }
        if (images.isEmpty()) throw new DataFormatException(uri, "is empty (no digit rows)");
        byte[] pixels = new byte[images.size() * SIDE * SIDE];
        int[] lb = new int[images.size()];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i), 0, pixels, i * SIDE * SIDE, SIDE * SIDE);
            lb[i] = labels.get(i);
        }
        return ExampleSet.grey(pixels, lb, SIDE, SIDE, 10, uri);
    }

    private static double number(String cell, String uri, int line, int column) {
        try {
            return Double.parseDouble(cell.trim());
        } catch (NumberFormatException e) {
            throw new DataFormatException(uri, "line " + line + " column " + column + " is '"
                    + cell.trim() + "', expected a number");
        }
    }

    /** Bilinear 8x8 -> 20x20 (pixel centres aligned), placed in the middle of 28x28. */
    static byte[] upscale(double[] src) {
        byte[] out = new byte[SIDE * SIDE];
        int margin = (SIDE - INNER) / 2;
        double scale = (double) SOURCE_SIDE / INNER;
        for (int y = 0; y < INNER; y++) {
            double sy = Math.max(0, Math.min(SOURCE_SIDE - 1, (y + 0.5) * scale - 0.5));
            int y0 = (int) Math.floor(sy);
            int y1 = Math.min(SOURCE_SIDE - 1, y0 + 1);
            double fy = sy - y0;
            for (int x = 0; x < INNER; x++) {
                double sx = Math.max(0, Math.min(SOURCE_SIDE - 1, (x + 0.5) * scale - 0.5));
                int x0 = (int) Math.floor(sx);
                int x1 = Math.min(SOURCE_SIDE - 1, x0 + 1);
                double fx = sx - x0;
                double v = (1 - fy) * ((1 - fx) * src[y0 * 8 + x0] + fx * src[y0 * 8 + x1])
                        + fy * ((1 - fx) * src[y1 * 8 + x0] + fx * src[y1 * 8 + x1]);
                int level = (int) Math.round(v * 255.0 / MAX_LEVEL);
                out[(y + margin) * SIDE + x + margin] = (byte) Math.max(0, Math.min(255, level));
            }
        }
        return out;
    }

}

package io.ensembles.data;

import java.util.List;
import java.util.Random;

/**
 * Distribution shift generated in code, in the spirit of MNIST-C / CIFAR-10-C: each corruption at
 * severities 1 (mild) to 5 (strong), applied to every image of a data set, labels unchanged.
 * Deterministic for a given seed, so every method is evaluated on the same shifted images.
 * <ul>
 *   <li>{@code gaussian-noise}: additive noise, sigma = 0.08, 0.12, 0.18, 0.26, 0.38 of the range;</li>
 *   <li>{@code blur}: Gaussian blur, sigma = 0.5, 0.75, 1, 1.5, 2 pixels;</li>
 *   <li>{@code contrast}: pixels pulled to the image mean, keeping 0.4, 0.3, 0.2, 0.1, 0.05 of the contrast;</li>
 *   <li>{@code rotation}: rotation about the centre by 15, 30, 45, 60, 75 degrees (bilinear, black fill);</li>
 *   <li>{@code pixel-shuffle}: 5, 10, 20, 30, 50% of the pixels exchanged with random other pixels.</li>
 * </ul>
 */
public final class Corruptions {
    public static final List<String> NAMES = List.of("gaussian-noise", "blur", "contrast", "rotation", "pixel-shuffle");

    private static final double[] NOISE = {0.08, 0.12, 0.18, 0.26, 0.38};
    private static final double[] BLUR = {0.5, 0.75, 1.0, 1.5, 2.0};
    private static final double[] CONTRAST = {0.4, 0.3, 0.2, 0.1, 0.05};
    private static final double[] ROTATION = {15, 30, 45, 60, 75};
    private static final double[] SHUFFLE = {0.05, 0.10, 0.20, 0.30, 0.50};

    private Corruptions() {}

    /** The data set under corruption {@code name} at {@code severity} (1..5). */
    public static ExampleSet apply(ExampleSet d, String name, int severity, long seed) {
        return apply(d, name, severity, seed, 0);
    }

    /**
     * As above, for a slice of a larger set whose first image has index {@code firstIndex}: every
     * image's randomness depends only on (seed, corruption, severity, its index), so a set cut
     * into partitions is corrupted exactly as the whole set would be.
     */
    public static ExampleSet apply(ExampleSet d, String name, int severity, long seed, long firstIndex) {
        if (severity < 1 || severity > 5) {
            throw new IllegalArgumentException("severity " + severity + " is outside 1..5");
        }
        if (!d.shape().isImage() || !d.isBytes()) {
            throw new IllegalArgumentException("corruptions apply to images, not to " + d.shape() + " (" + d.source() + ")");
        }
        int s = severity - 1;
        int r = d.shape().height();
        int c = d.shape().width();
        int plane = r * c;
        int f = d.features();
        byte[] out = new byte[d.size() * f];
        long stream = seed ^ (name.hashCode() * 31L + severity);
        double[] img = new double[plane];
        for (int i = 0; i < d.size(); i++) {
            Random rnd = new Random(stream + 0x9E3779B97F4A7C15L * (firstIndex + i));
            // a colour image: noise is drawn per channel, pixel-shuffle moves the same pixels in every channel
            boolean colour = d.shape().channels() > 1;
            long shuffleSeed = colour ? rnd.nextLong() : 0;
            for (int ch = 0; ch < d.shape().channels(); ch++) {
                Random chRnd = colour && name.equals("pixel-shuffle") ? new Random(shuffleSeed) : rnd;
                for (int p = 0; p < plane; p++) img[p] = d.pixel(i, ch * plane + p);
                double[] res = switch (name) {
                    case "gaussian-noise" -> noise(img, NOISE[s] * 255, chRnd);
                    case "blur" -> blur(img, r, c, BLUR[s]);
                    case "contrast" -> contrast(img, CONTRAST[s]);
                    case "rotation" -> rotate(img, r, c, ROTATION[s]);
                    case "pixel-shuffle" -> shuffle(img, SHUFFLE[s], chRnd);
                    default -> throw new IllegalArgumentException("unknown corruption '" + name + "' (known: " + NAMES + ")");
                };
                for (int p = 0; p < plane; p++) {
                    out[i * f + ch * plane + p] = (byte) Math.max(0, Math.min(255, Math.round(res[p])));
                }
            }
        }
        return d.withBytes(out, d.source() + " [" + name + " " + severity + "]");
    }

    private static double[] noise(double[] x, double sigma, Random rnd) {
        double[] y = new double[x.length];
        for (int p = 0; p < x.length; p++) y[p] = x[p] + sigma * rnd.nextGaussian();
        return y;
    }

    /** Separable Gaussian blur, kernel radius 3 sigma, edges clamped. */
    static double[] blur(double[] x, int r, int c, double sigma) {
        int rad = (int) Math.ceil(3 * sigma);
        double[] k = new double[2 * rad + 1];
        double sum = 0;
        for (int i = -rad; i <= rad; i++) {
            k[i + rad] = Math.exp(-i * i / (2 * sigma * sigma));
            sum += k[i + rad];
        }
        for (int i = 0; i < k.length; i++) k[i] /= sum;
        double[] tmp = new double[x.length];
        double[] y = new double[x.length];
        for (int row = 0; row < r; row++) {
            for (int col = 0; col < c; col++) {
                double v = 0;
                for (int i = -rad; i <= rad; i++) v += k[i + rad] * x[row * c + Math.max(0, Math.min(c - 1, col + i))];
                tmp[row * c + col] = v;
            }
        }
        for (int row = 0; row < r; row++) {
            for (int col = 0; col < c; col++) {
                double v = 0;
                for (int i = -rad; i <= rad; i++) v += k[i + rad] * tmp[Math.max(0, Math.min(r - 1, row + i)) * c + col];
                y[row * c + col] = v;
            }
        }
        return y;
    }

    static double[] contrast(double[] x, double keep) {
        double mean = 0;
        for (double v : x) mean += v;
        mean /= x.length;
        double[] y = new double[x.length];
        for (int p = 0; p < x.length; p++) y[p] = (x[p] - mean) * keep + mean;
        return y;
    }

    /** Rotation about the image centre by {@code degrees}, bilinear interpolation, 0 outside. */
    static double[] rotate(double[] x, int r, int c, double degrees) {
        double a = Math.toRadians(degrees);
        double cos = Math.cos(a);
        double sin = Math.sin(a);
        double cy = (r - 1) / 2.0;
        double cx = (c - 1) / 2.0;
        double[] y = new double[x.length];
        for (int row = 0; row < r; row++) {
            for (int col = 0; col < c; col++) {
                // the source of each target pixel: the inverse rotation
                double sx = cos * (col - cx) + sin * (row - cy) + cx;
                double sy = -sin * (col - cx) + cos * (row - cy) + cy;
                int x0 = (int) Math.floor(sx);
                int y0 = (int) Math.floor(sy);
                double fx = sx - x0;
                double fy = sy - y0;
                y[row * c + col] = (1 - fx) * (1 - fy) * at(x, r, c, y0, x0) + fx * (1 - fy) * at(x, r, c, y0, x0 + 1)
                        + (1 - fx) * fy * at(x, r, c, y0 + 1, x0) + fx * fy * at(x, r, c, y0 + 1, x0 + 1);
            }
        }
        return y;
    }

    private static double at(double[] x, int r, int c, int row, int col) {
        return row < 0 || row >= r || col < 0 || col >= c ? 0 : x[row * c + col];
    }

    private static double[] shuffle(double[] x, double fraction, Random rnd) {
        double[] y = x.clone();
        int swaps = (int) Math.round(fraction * x.length / 2);
        for (int k = 0; k < swaps; k++) {
            int a = rnd.nextInt(x.length);
            int b = rnd.nextInt(x.length);
            double t = y[a];
            y[a] = y[b];
            y[b] = t;
        }
        return y;
    }
}

package io.ensembles.data;

import java.util.Random;

/** The training file split (seeded, fixed) into a training part and a validation part, with its normalisation. */
public record TrainingData(ExampleSet train, ExampleSet validation, Normalisation normalisation)
        implements java.io.Serializable {

    /**
     * Splits {@code full} with a permutation drawn from {@code splitSeed}: the same seed gives the
     * same split on every executor. {@code validationFraction = 0} leaves validation empty.
     */
    public static TrainingData split(ExampleSet full, double validationFraction, long splitSeed) {
        return split(full, validationFraction, splitSeed, false);
    }

    /** As above; {@code unitRange} scales to [0, 1] ({@link Normalisation#unitRange}) instead of standardising with the training split's statistics. */
    public static TrainingData split(ExampleSet full, double validationFraction, long splitSeed, boolean unitRange) {
        int n = full.size();
        int nVal = (int) Math.round(n * validationFraction);
        if (validationFraction > 0 && nVal == 0) nVal = 1;
        if (n - nVal < 1) {
            throw new DataFormatException(full.source(), "has " + n + " examples: too few to hold out "
                    + validationFraction + " for validation and still train");
        }
        int[] perm = permutation(n, new Random(splitSeed));
        int[] val = java.util.Arrays.copyOfRange(perm, 0, nVal);
        int[] tr = java.util.Arrays.copyOfRange(perm, nVal, n);
        java.util.Arrays.sort(val);
        java.util.Arrays.sort(tr);
        ExampleSet train = full.select(tr);
        ExampleSet validation = full.select(val);
        return new TrainingData(train, validation, unitRange ? Normalisation.unitRange(train) : Normalisation.standardise(train));
    }

    /**
     * Splits {@code full} by a stable hash of each row's content (or of its key, its id, when the
     * set has {@link ExampleSet#hasRowKeys}) under {@code splitSeed}: a row is
     * held out when its hash, as a number in [0, 1), is below {@code validationFraction}. The split
     * depends on the rows alone, not on their order or how a table is partitioned, and duplicate
     * rows fall on the same side. The share held out is {@code validationFraction} up to sampling
     * noise; at least one row is held out (when the fraction is above 0) and one kept.
     */
    public static TrainingData hashSplit(ExampleSet full, double validationFraction, long splitSeed, boolean unitRange) {
        int n = full.size();
        if (n < 2 && validationFraction > 0) {
            throw new DataFormatException(full.source(), "has " + n + " examples: too few to hold out "
                    + validationFraction + " for validation and still train");
        }
        double[] u = new double[n];
        int nVal = 0;
        for (int i = 0; i < n; i++) {
            u[i] = full.hasRowKeys() ? unitOf(keyHash(splitSeed, full.rowKey(i))) : rowHash(full, i, splitSeed);
            if (u[i] < validationFraction) nVal++;
        }
        // tiny sets: the extreme rows by hash, so the split stays a function of the rows
        double cut = validationFraction;
        if (validationFraction > 0 && nVal == 0) cut = Math.nextUp(java.util.Arrays.stream(u).min().orElse(0));
        if (nVal == n) cut = java.util.Arrays.stream(u).max().orElse(1);
        java.util.List<Integer> val = new java.util.ArrayList<>();
        java.util.List<Integer> tr = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) (u[i] < cut ? val : tr).add(i);
        ExampleSet train = full.select(tr.stream().mapToInt(Integer::intValue).toArray());
        ExampleSet validation = full.select(val.stream().mapToInt(Integer::intValue).toArray());
        return new TrainingData(train, validation, unitRange ? Normalisation.unitRange(train) : Normalisation.standardise(train));
    }

    /** Row {@code i}'s content (label and values) hashed under {@code seed}, as a number in [0, 1). */
    static double rowHash(ExampleSet d, int i, long seed) {
        long h = hashStart(seed, d.label(i));
        for (int p = 0; p < d.features(); p++) {
            h = hashStep(h, p, d.isBytes() ? d.pixel(i, p) : Float.floatToIntBits(d.value(i, p)));
        }
        return unitOf(h);
    }

    /**
     * The hash of one example's content (class index and values: image bytes, or floats) under
     * {@code seed}: the number {@link #hashSplit} splits by, for a row that is not in an ExampleSet
     * (a streamed table's). {@link #unitOf} of it is the row's place in [0, 1).
     */
    public static long contentHash(long seed, int label, byte[] bytes, float[] floats) {
        long h = hashStart(seed, label);
        if (bytes != null) {
            for (int p = 0; p < bytes.length; p++) h = hashStep(h, p, bytes[p] & 0xFF);
        } else {
            for (int p = 0; p < floats.length; p++) h = hashStep(h, p, Float.floatToIntBits(floats[p]));
        }
        return h;
    }

    /** A 64-bit hash as a number in [0, 1). */
    public static double unitOf(long hash) {
        return (hash >>> 11) * 0x1.0p-53;
    }

    private static long hashStart(long seed, int label) {
        return mix(seed ^ 0x632BE59BD9B4E019L ^ label);
    }

    private static long hashStep(long h, int p, long v) {
        return mix(h ^ (v + 0x9E3779B97F4A7C15L * (p + 1)));
    }

    /** A 64-bit key (a row id's bytes, say) hashed under {@code seed}. */
    public static long keyHash(long seed, long key) {
        return mix(mix(seed ^ 0x2545F4914F6CDD1DL) ^ key);
    }

    /** A row id as a 64-bit key: an integer as itself, anything else by the hash of its bytes (a string's UTF-8). */
    public static long idKey(Object id) {
        if (id instanceof Long || id instanceof Integer || id instanceof Short || id instanceof Byte) {
            return ((Number) id).longValue();
        }
        byte[] b = id instanceof byte[] raw ? raw : String.valueOf(id).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        long h = mix(0x9E3779B97F4A7C15L ^ b.length);
        for (byte x : b) h = mix(h ^ (x & 0xFF));
        return h;
    }

    /** SplitMix64's finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * A bootstrap resample of {@code d} for bagging, as a streaming bootstrap: every row appears
     * {@link #poissonWeight} times, a Poisson(1) count drawn from the seed and the row alone, so
     * the resample needs no pass over the whole set and each row's weight is the same however the
     * rows are split or visited. About n rows (n ± sqrt(n)), 1 - 1/e of them distinct, in the order of {@code d}.
     */
    public static ExampleSet bootstrap(ExampleSet d, long seed) {
        int[] counts = new int[d.size()];
        int total = 0;
        for (int i = 0; i < counts.length; i++) total += counts[i] = poissonWeight(seed, i);
        int[] idx = new int[total];
        int at = 0;
        for (int i = 0; i < counts.length; i++) {
            for (int c = 0; c < counts[i]; c++) idx[at++] = i;
        }
        return d.select(idx);
    }

    /** Row {@code row}'s Poisson(1) bootstrap weight under {@code seed} (Knuth's method on a generator of its own). */
    public static int poissonWeight(long seed, long row) {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed * 0x9E3779B97F4A7C15L + row);
        double limit = Math.exp(-1.0);
        double p = rnd.nextDouble();
        int k = 0;
        while (p > limit) {
            p *= rnd.nextDouble();
            k++;
        }
        return k;
    }

    /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
    public static int[] permutation(int n, Random rnd) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}

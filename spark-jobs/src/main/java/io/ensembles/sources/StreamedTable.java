package io.ensembles.sources;

import io.ensembles.data.ExampleSet;
import io.ensembles.data.InputShape;
import io.ensembles.data.Normalisation;
import io.ensembles.data.TrainingData;
import io.ensembles.fs.Fs;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.StructType;

/**
 * A training table left where it is, for member tasks to stream: its Parquet row groups (the
 * units a task visits), the decoder of its columns, and what the driver learnt from the executors'
 * passes over it without holding it: classes, shape, normalisation, how many rows fall on each
 * side of the validation split. Serializable: it travels with the task, the data does not.
 *
 * <p>A row is on the validation side when the hash of its id (data.train.id-column), or else of
 * its content, under {@code data.split-seed}
 * is below {@code data.validation-fraction}: the same rule as {@link TrainingData#hashSplit}, so
 * a table gives the same split streamed or broadcast, and whatever its partitioning.
 */
public final class StreamedTable implements Serializable {
    /** Rows {@code 0 .. rows} of row group {@code rowGroup} of a Parquet file. */
    public record Unit(String file, int rowGroup, long rows) implements Serializable {
        String describe() {
            return file + " (row group " + rowGroup + ")";
        }
    }

    /** One decoded row: its class, its hash (the split and the bootstrap key on it) and its values. */
    public record Decoded(int label, long key, byte[] bytes, float[] floats) {
        boolean validation(double fraction) {
            return TrainingData.unitOf(key) < fraction;
        }
    }

    /** What the executors' pass found, summed over the table (or one unit). */
    public record Stats(Normalisation.Sums sums, long train, long validation, long[] validationLabels,
                        long[] baggedRows) implements Serializable {
        Stats merge(Stats o) {
            long[] labels = validationLabels.clone();
            for (int k = 0; k < labels.length; k++) labels[k] += o.validationLabels[k];
            long[] bagged = baggedRows.clone();
            for (int m = 0; m < bagged.length; m++) bagged[m] += o.baggedRows[m];
            return new Stats(sums.merge(o.sums), train + o.train, validation + o.validation, labels, bagged);
        }
    }

    final String source;
    final List<Unit> units;
    final StructType columns;
    final RowDecoder decoder;
    final List<String> classNames;
    final InputShape shape;
    final boolean bytes;
    final double validationFraction;
    final long splitSeed;
    final long[] baggingSeeds;
    final Map<String, String> hadoop;
    final String runId;
    final int shuffleBuffer;
    final String localCache;
    final int shuffleLabelsMember;
    final String validationDir;
    Stats stats;
    long[] unitTrainRows;    // per unit: its training rows
    long[][] unitBaggedRows; // per unit, per bagging seed: its rows' bootstrap weights summed
    Normalisation normalisation;

    StreamedTable(String source, List<Unit> units, StructType columns, RowDecoder decoder, List<String> classNames,
                  InputShape shape, boolean bytes, double validationFraction, long splitSeed, long[] baggingSeeds,
                  Map<String, String> hadoop, String runId, int shuffleBuffer, String localCache,
                  int shuffleLabelsMember, String validationDir) {
        this.validationDir = validationDir;
        this.source = source;
        this.units = List.copyOf(units);
        this.columns = columns;
        this.decoder = decoder;
        this.classNames = List.copyOf(classNames);
        this.shape = shape;
        this.bytes = bytes;
        this.validationFraction = validationFraction;
        this.splitSeed = splitSeed;
        this.baggingSeeds = baggingSeeds.clone();
        this.hadoop = Map.copyOf(hadoop);
        this.runId = runId;
        this.shuffleBuffer = shuffleBuffer;
        this.localCache = localCache;
        this.shuffleLabelsMember = shuffleLabelsMember;
    }

    public String source() { return source; }
    public List<Unit> units() { return units; }
    public InputShape shape() { return shape; }
    public List<String> classNames() { return classNames; }
    public Normalisation normalisation() { return normalisation; }
    public long trainRows() { return stats.train(); }
    public long validationRows() { return stats.validation(); }
    public long rows() { return stats.train() + stats.validation(); }
    public String localCache() { return localCache; }
    public String runId() { return runId; }

    /** The per-unit figures of the pass, unit by unit, and their sums. */
    void measured(List<Stats> perUnit) {
        unitTrainRows = new long[perUnit.size()];
        unitBaggedRows = new long[perUnit.size()][];
        Stats total = null;
        for (int u = 0; u < perUnit.size(); u++) {
            Stats st = perUnit.get(u);
            unitTrainRows[u] = st.train();
            unitBaggedRows[u] = st.baggedRows().clone();
            total = total == null ? st : total.merge(st);
        }
        stats = total;
    }

    /** Training rows of a member that bags with {@code seed}: the sum of its Poisson weights. */
    long baggedRows(long seed) {
        return stats.baggedRows()[seedIndex(seed)];
    }

    /** The seed a member's Poisson(1) bootstrap weights are drawn from (as for a set in memory). */
    static long bootstrapSeed(long memberSeed) {
        return memberSeed ^ 0x5DEECE66DL;
    }

    /**
     * The pass of one unit, run by the executors: every row decoded and checked, the training side
     * summed, the validation side written decoded to {@link #validationFile} (so the members never
     * decode the whole table to find it).
     */
    Stats statsOf(Unit u, int unitIndex) throws IOException {
        Normalisation.Sums sums = new Normalisation.Sums(shape, bytes);
        long[] counts = new long[2]; // train, validation
        long[] labels = new long[classNames.size()];
        long[] bagged = new long[baggingSeeds.length];
        Fs.configure(hadoop);
        Fs.writeAtomically(validationFile(unitIndex), true, o -> {
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(o, 1 << 16));
            try (Rows rows = rows(u, unitIndex)) {
                while (rows.hasNext()) {
                    Decoded d = rows.next();
                    if (d.validation(validationFraction)) {
                        counts[1]++;
                        labels[d.label()]++;
                        format().write(out, d);
                        continue;
                    }
                    counts[0]++;
                    sums.add(d.bytes(), d.floats());
                    for (int m = 0; m < bagged.length; m++) {
                        bagged[m] += TrainingData.poissonWeight(bootstrapSeed(baggingSeeds[m]), d.key());
                    }
                }
            }
            DecodedRows.end(out);
            out.flush();
        });
        return new Stats(sums, counts[0], counts[1], labels, bagged);
    }

    /** Where unit {@code unitIndex}'s validation rows are kept, decoded, for the job (on the cluster's filesystem). */
    String validationFile(int unitIndex) {
        return validationDir + "/unit-" + unitIndex + ".bin";
    }


    /** Every validation row, unit after unit, read from the files the pass wrote. */
    Rows validationSide() throws IOException {
        return UnitRows.validationSide(this);
    }

    /** The rows of unit {@code unitIndex}, decoded (see {@link UnitRows#rows}). */
    Rows rows(Unit u, int unitIndex) throws IOException {
        return UnitRows.rows(this, u, unitIndex);
    }

    /**
     * Rows {@code [from, to)} of {@code member}'s training stream in epoch {@code epoch}, as
     * minibatches of {@code batchSize}: what one data-parallel worker fits in one averaging round.
     * The stream is the units in the epoch's seeded order, each unit's training rows (a bagging
     * member's repeated by their weights) in a seeded permutation of their own; a task finds its
     * rows from the per-unit counts and decodes only the units they lie in, whatever it read before.
     */
    public List<org.nd4j.linalg.dataset.DataSet> rangeBatches(io.ensembles.train.MemberSpec member, int epoch, long from,
                                                              long to, int batchSize) throws IOException {
        int[] order = io.ensembles.sources.StreamedSource.unitOrder(units.size(), member.seed(), epoch);
        List<Decoded> rows = new java.util.ArrayList<>((int) (to - from));
        long start = 0; // the stream's row where the current unit begins
        for (int j = 0; j < order.length && start < to; j++) {
            int u = order[j];
            long n = member.bagging() ? unitBaggedRows[u][seedIndex(member.seed())] : unitTrainRows[u];
            if (start + n > from) {
                List<Decoded> unit = trainingRowsOf(member, u);
                int[] perm = TrainingData.permutation(unit.size(), new java.util.Random(
                        TrainingData.keyHash(member.seed() * 31 + epoch, u)));
                for (int i = (int) Math.max(0, from - start); i < unit.size() && start + i < to; i++) {
                    rows.add(unit.get(perm[i]));
                }
            }
            start += n;
        }
        List<org.nd4j.linalg.dataset.DataSet> batches = new java.util.ArrayList<>();
        for (int i = 0; i < rows.size(); i += batchSize) {
            ExampleSet set = examples(rows.subList(i, Math.min(rows.size(), i + batchSize)));
            batches.add(io.ensembles.data.Batches.batch(set, null, 0, set.size(), normalisation));
        }
        return batches;
    }

    private int seedIndex(long seed) {
        for (int m = 0; m < baggingSeeds.length; m++) if (baggingSeeds[m] == seed) return m;
        throw new IllegalArgumentException("no bootstrap size was counted for a member of seed " + seed);
    }

    /** Unit {@code u}'s training rows as {@code member} sees them: bootstrap copies, debug labels. */
    List<Decoded> trainingRowsOf(io.ensembles.train.MemberSpec member, int u) throws IOException {
        List<Decoded> out = new java.util.ArrayList<>();
        try (Rows rows = rows(units.get(u), u)) {
            while (rows.hasNext()) {
                Decoded d = rows.next();
                int w = copies(member, d);
                if (w > 0) d = asTrainedBy(member, d);
                for (int c = 0; c < w; c++) out.add(d);
            }
        }
        return out;
    }

    /**
     * How often {@code member} trains on row {@code d} in an epoch: 0 on the validation side, its
     * Poisson(1) bootstrap weight when the member bags, else 1. The one rule of the streamed epochs
     * and of the data-parallel rounds.
     */
    int copies(io.ensembles.train.MemberSpec member, Decoded d) {
        if (d.validation(validationFraction)) return 0;
        return member.bagging() ? TrainingData.poissonWeight(bootstrapSeed(member.seed()), d.key()) : 1;
    }

    /**
     * Row {@code d} as {@code member} trains on it: for the member debug.shuffle-labels-member names,
     * with a label drawn from the row's key (a member that must learn nothing).
     */
    Decoded asTrainedBy(io.ensembles.train.MemberSpec member, Decoded d) {
        if (member.index() != shuffleLabelsMember) return d;
        long labelSeed = member.seed() ^ 0x51AB1E5L;
        int random = (int) Math.floorMod(TrainingData.keyHash(labelSeed, d.key()), (long) classNames.size());
        return new Decoded(random, d.key(), d.bytes(), d.floats());
    }

    /** A set of up to {@code rows.size()} decoded rows as examples (for prediction). */
    ExampleSet examples(List<Decoded> rows) {
        int f = shape.size();
        int[] labels = new int[rows.size()];
        for (int i = 0; i < labels.length; i++) labels[i] = rows.get(i).label();
        if (bytes) {
            byte[] v = new byte[rows.size() * f];
            for (int i = 0; i < labels.length; i++) System.arraycopy(rows.get(i).bytes(), 0, v, i * f, f);
            return ExampleSet.ofBytes(shape, v, labels, classNames, source);
        }
        float[] v = new float[rows.size() * f];
        for (int i = 0; i < labels.length; i++) System.arraycopy(rows.get(i).floats(), 0, v, i * f, f);
        return ExampleSet.ofFloats(shape, v, labels, classNames, source);
    }

    /** How this table's decoded rows are written to a file and read back. */
    DecodedRows format() {
        return new DecodedRows(shape.size(), bytes);
    }

    /** Decoded rows one after the other; closing releases the file behind them. */
    interface Rows extends Iterator<Decoded>, AutoCloseable {
        @Override
        void close();
    }
}

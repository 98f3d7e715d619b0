package io.ensembles.sources;

import io.ensembles.data.Batches;
import io.ensembles.data.ExampleSet;
import io.ensembles.data.InputShape;
import io.ensembles.data.Normalisation;
import io.ensembles.data.ShuffleBuffer;
import io.ensembles.data.TrainingData;
import io.ensembles.ensemble.Predictor;
import io.ensembles.metrics.ClassificationMetrics;
import io.ensembles.train.CollapseGuard;
import io.ensembles.train.MemberSpec;
import io.ensembles.train.TrainingSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member task's view of a {@link StreamedTable}. Each epoch visits the table's row groups in an
 * order drawn from (member seed, epoch), decodes their rows as they come, drops the validation
 * side, repeats a bagging member's rows by their Poisson(1) weights, and mixes them through a
 * shuffle buffer of {@code data.shuffle-buffer} rows seeded the same way: the batches depend on
 * the seed and the epoch only, not on the executor, the partitioning or an earlier failure.
 * Memory: the buffer, one row group's pages and one batch. The validation rows come decoded from
 * the files the executors' pass over the table wrote.
 */
public final class StreamedSource implements TrainingSource {
    private static final Logger LOG = LoggerFactory.getLogger(StreamedSource.class);
    private static final int VALIDATION_CHUNK = 2048;

    private final StreamedTable table;

    public StreamedSource(StreamedTable table) {
        this.table = table;
    }

    @Override
    public InputShape shape() {
        return table.shape();
    }

    @Override
    public List<String> classNames() {
        return table.classNames();
    }

    @Override
    public Normalisation normalisation() {
        return table.normalisation();
    }

    @Override
    public long epochExamples(MemberSpec member) {
        return member.bagging() ? table.baggedRows(member.seed()) : table.trainRows();
    }

    /** Where epoch {@code epoch} of {@code member} visits the units: a seeded permutation. */
    static int[] unitOrder(int units, long memberSeed, int epoch) {
        return TrainingData.permutation(units, new Random(memberSeed * 31 + epoch));
    }

    @Override
    public Epoch epoch(MemberSpec member, int epoch, int batchSize) {
        return new StreamedEpoch(member, epoch, batchSize);
    }

    private final class StreamedEpoch implements Epoch {
        private final int[] order;
        private final int batchSize;
        private final MemberSpec member;
        private final ShuffleBuffer<StreamedTable.Decoded> buffer;
        private int nextUnit;
        private StreamedTable.Rows rows;
        private StreamedTable.Decoded repeating;
        private int copiesLeft;
        private boolean drained;
        private DataSet ready;

        StreamedEpoch(MemberSpec member, int epoch, int batchSize) {
            this.order = unitOrder(table.units().size(), member.seed(), epoch);
            this.batchSize = batchSize;
            this.member = member;
            this.buffer = new ShuffleBuffer<>(table.shuffleBuffer, member.seed() * 0x9E3779B97F4A7C15L + epoch);
            if (member.index() == table.shuffleLabelsMember) LOG.warn("{}: training on random labels (debug.shuffle-labels-member)", member.describe());
        }

        @Override
        public boolean hasNext() {
            if (ready == null) ready = batch();
            return ready != null;
        }

        @Override
        public DataSet next() {
            if (!hasNext()) throw new NoSuchElementException();
            DataSet b = ready;
            ready = null;
            return b;
        }

        private DataSet batch() {
            List<StreamedTable.Decoded> rowsOfBatch = new ArrayList<>(batchSize);
            while (rowsOfBatch.size() < batchSize) {
                StreamedTable.Decoded d = nextShuffled();
                if (d == null) break;
                rowsOfBatch.add(d);
            }
            if (rowsOfBatch.isEmpty()) return null;
            ExampleSet set = table.examples(rowsOfBatch);
            return Batches.batch(set, null, 0, set.size(), table.normalisation());
        }

        /** The next row out of the shuffle buffer, null at the end of the epoch. */
        private StreamedTable.Decoded nextShuffled() {
            while (!drained) {
                StreamedTable.Decoded in = nextTrainingRow();
                if (in == null) {
                    drained = true;
                    break;
                }
                StreamedTable.Decoded out = buffer.offer(in);
                if (out != null) return out;
            }
            return buffer.poll();
        }

        /** The next training row in visiting order, once per unit of its bootstrap weight. */
        private StreamedTable.Decoded nextTrainingRow() {
            while (true) {
                if (copiesLeft > 0) {
                    copiesLeft--;
                    return repeating;
                }
                StreamedTable.Decoded d = nextRow();
                if (d == null) return null;
                int w = table.copies(member, d);
                if (w == 0) continue;
                repeating = table.asTrainedBy(member, d);
                copiesLeft = w - 1;
                return repeating;
            }
        }

        private StreamedTable.Decoded nextRow() {
            try {
                while (rows == null || !rows.hasNext()) {
                    if (rows != null) {
                        rows.close();
                        rows = null;
                    }
                    if (nextUnit == order.length) return null;
                    int u = order[nextUnit++];
                    rows = table.rows(table.units().get(u), u);
                }
                return rows.next();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            if (rows != null) rows.close();
            rows = null;
        }
    }

    @Override
    public double[] validate(ComputationGraph net, int batchSize) {
        if (table.validationRows() == 0) return new double[] {Double.NaN, Double.NaN};
        try (StreamedTable.Rows rows = table.validationSide()) {
            int c = table.classNames().size();
            double correct = 0;
            double nllSum = 0;
            long n = 0;
            List<StreamedTable.Decoded> chunk = new ArrayList<>(VALIDATION_CHUNK);
            while (rows.hasNext()) {
                chunk.add(rows.next());
                if (chunk.size() == VALIDATION_CHUNK || !rows.hasNext()) {
                    ExampleSet set = table.examples(chunk);
                    float[] p = Predictor.probabilities(net, set, table.normalisation(), batchSize);
                    int[] labels = set.labels();
                    correct += ClassificationMetrics.accuracy(p, labels, c) * labels.length;
                    nllSum += ClassificationMetrics.nll(p, labels, c) * labels.length;
                    n += labels.length;
                    chunk.clear();
                }
            }
            return new double[] {correct / n, nllSum / n};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public CollapseGuard collapseGuard(double margin) {
        if (margin <= 0 || table.validationRows() == 0) return CollapseGuard.OFF;
        long max = 0;
        for (long n : table.stats.validationLabels()) max = Math.max(max, n);
        return new CollapseGuard(max / (double) table.validationRows(), margin);
    }
}

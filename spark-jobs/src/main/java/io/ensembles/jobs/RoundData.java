package io.ensembles.jobs;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.Batches;
import io.ensembles.data.ExampleSet;
import io.ensembles.data.Normalisation;
import io.ensembles.data.TrainingData;
import io.ensembles.train.MemberSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Where the minibatches of a round come from, and the run's validation: a set in memory,
 * broadcast, whose rows the workers index; or a streamed table, whose row groups the workers read.
 */
interface RoundData {
    io.ensembles.train.TrainingSource source();

    /** Examples per epoch (the bootstrap's size when the run bags). */
    long examples();

    /** Minibatches {@code first .. first + count} of epoch {@code epoch}, dealt to {@code workers} partitions. */
    JavaRDD<org.nd4j.linalg.dataset.DataSet> round(int epoch, int first, int count, int workers, int batchSize);

    void close();

    /** A run's own training set in memory (its bootstrap when bagging), broadcast; each epoch a seeded permutation. */
    static final class BroadcastRounds implements RoundData {
        private final JavaSparkContext jsc;
        private final io.ensembles.train.InMemorySource source;
        private final ExampleSet train;
        private final Broadcast<ExampleSet> bTrain;
        private final long seed;
        private int epoch = -1;
        private int[] order;

        BroadcastRounds(JavaSparkContext jsc, EnsembleConfig config, TrainingData data, MemberSpec run) {
            this.jsc = jsc;
            this.source = new io.ensembles.train.InMemorySource(config, data);
            this.train = source.trainingSet(run);
            this.bTrain = jsc.broadcast(train);
            this.seed = run.seed();
        }

        @Override public io.ensembles.train.TrainingSource source() { return source; }
        @Override public long examples() { return train.size(); }

        @Override
        public JavaRDD<org.nd4j.linalg.dataset.DataSet> round(int e, int first, int count, int workers, int b) {
            if (e != epoch) {
                order = TrainingData.permutation(train.size(), new Random(seed * 31 + e));
                epoch = e;
            }
            List<int[]> batches = new ArrayList<>(count);
            for (int k = first; k < first + count; k++) {
                int from = k * b;
                batches.add(java.util.Arrays.copyOfRange(order, from, Math.min(train.size(), from + b)));
            }
            Broadcast<ExampleSet> t = bTrain;
            Normalisation norm = source.normalisation();
            return jsc.parallelize(batches, workers).map(idx -> Batches.batch(t.value(), idx, 0, idx.length, norm));
        }

        @Override public void close() { bTrain.destroy(); }
    }

    /**
     * A streamed table: each worker of a round reads the rows of its minibatches from the row groups
     * they lie in ({@link io.ensembles.sources.StreamedTable#rangeBatches}); nothing is broadcast.
     */
    static final class StreamedRounds implements RoundData {
        private final JavaSparkContext jsc;
        private final io.ensembles.sources.StreamedTable table;
        private final io.ensembles.sources.StreamedSource source;
        private final MemberSpec run;
        private final long examples;

        StreamedRounds(JavaSparkContext jsc, io.ensembles.sources.StreamedTable table, MemberSpec run,
                       EnsembleConfig config) {
            this.jsc = jsc;
            this.table = table;
            this.source = new io.ensembles.sources.StreamedSource(table);
            this.run = run;
            this.examples = source.epochExamples(run);
        }

        @Override public io.ensembles.train.TrainingSource source() { return source; }
        @Override public long examples() { return examples; }

        @Override
        public JavaRDD<org.nd4j.linalg.dataset.DataSet> round(int e, int first, int count, int workers, int b) {
            // the minibatches dealt as parallelize deals a list: worker w gets a contiguous slice
            List<long[]> ranges = new ArrayList<>(workers);
            for (int w = 0; w < workers; w++) {
                long from = (long) first + (long) w * count / workers;
                long to = (long) first + (long) (w + 1) * count / workers;
                ranges.add(new long[] {from * b, Math.min(examples, to * b)});
            }
            io.ensembles.sources.StreamedTable t = table;
            MemberSpec m = run;
            return jsc.parallelize(ranges, workers).flatMap(r -> t.rangeBatches(m, e, r[0], r[1], b).iterator());
        }

        @Override public void close() { }
    }
}

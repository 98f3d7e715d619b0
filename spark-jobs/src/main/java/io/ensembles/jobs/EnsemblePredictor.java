package io.ensembles.jobs;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.config.Method;
import io.ensembles.data.ExampleSet;
import io.ensembles.data.Normalisation;
import io.ensembles.ensemble.McDropout;
import io.ensembles.ensemble.Predictor;
import io.ensembles.evaluation.Predictors;
import io.ensembles.evaluation.Slot;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.store.Manifest;
import io.ensembles.store.MemberRecord;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Every predictor's probabilities on a set of examples, on an executor: the members' model files
 * are leased from this JVM's {@link MemberCache}, so an executor loads and verifies each once
 * however many tasks it runs. An MC-dropout member counts as {@code evaluation.mc-passes}
 * predictors. Scoring and the evaluation's prediction tasks both predict through this.
 */
public final class EnsemblePredictor implements Serializable {
    private final String root;
    private final Predictors predictors;
    private final Normalisation norm;
    private final int batch;

    public EnsemblePredictor(EnsembleLayout layout, Predictors predictors, Normalisation norm, int batch) {
        this.root = layout.root();
        this.predictors = predictors;
        this.norm = norm;
        this.batch = batch;
    }

    /** The completed members of {@code manifest} (the first {@code evaluation.max-members} when set). */
    public static EnsemblePredictor of(EnsembleLayout layout, Manifest manifest, EnsembleConfig config) {
        List<MemberRecord> members = manifest.completedMembers();
        if (members.isEmpty()) throw new IllegalStateException(layout.manifest() + ": no completed member");
        return new EnsemblePredictor(layout, Predictors.of(config.evaluation().evaluated(members), config.evaluation().mcPasses()),
                manifest.normalisation(), config.evaluation().batchSize());
    }

    /** The ids of the predictors, in the order of {@link #predict}'s rows ({@code m003}, {@code m001/p02}, ...). */
    public List<String> ids() {
        return predictors.ids();
    }

    /** {@code probs[slot][i * classes + k]} on {@code d}; {@code first} is the index of its first row (MC-dropout masks). */
    public float[][] predict(ExampleSet d, long first) throws IOException {
        float[][] probs = new float[predictors.slots().size()][];
        double[] seconds = new double[probs.length];
        List<MemberCache.Lease> leases = lease(d, false);
        try {
            predict(d, first, leases, probs, seconds);
            return probs;
        } finally {
            for (MemberCache.Lease l : leases) l.close();
        }
    }

    /**
     * Leases every model file, in the order of the units; with {@code warmUp}, a network new to this
     * JVM first predicts one batch of {@code d} untimed (it pays native start-up on its first batch).
     * The caller closes the leases.
     */
    List<MemberCache.Lease> lease(ExampleSet d, boolean warmUp) throws IOException {
        List<MemberCache.Lease> leases = new ArrayList<>();
        try {
            for (MemberRecord r : predictors.units()) {
                MemberCache.Lease l = MemberCache.lease(new EnsembleLayout(root), r);
                leases.add(l);
                if (warmUp && l.fresh()) Predictor.probabilities(l.net(), d.head(Math.min(batch, d.size())), norm, batch);
            }
            return leases;
        } catch (IOException | RuntimeException e) {
            for (MemberCache.Lease l : leases) l.close();
            throw e;
        }
    }

    /** Fills {@code probs[slot]} and {@code seconds[slot]}; {@code leases} are those of {@link #lease}. */
    void predict(ExampleSet d, long first, List<MemberCache.Lease> leases, float[][] probs, double[] seconds) {
        List<Slot> slots = predictors.slots();
        for (int u = 0; u < predictors.units().size(); u++) {
            MemberRecord r = predictors.units().get(u);
            ComputationGraph net = leases.get(u).net();
            long t0 = System.nanoTime();
            float[][] outputs;
            if (Method.MC_DROPOUT.is(r.method())) {
                // masks seeded by the member and the task's first row: reproducible for the same
                // rows-per-task, and for a set evaluated in one task the member's own seed
                outputs = McDropout.passes(net, d, norm, batch, predictors.passes(), r.seed() + first * 1_000_003L)
                        .toArray(new float[0][]);
            } else {
                // one forward pass gives every head of a packed network (a plain one has one)
                outputs = Predictor.heads(net, d, norm, batch);
            }
            double each = (System.nanoTime() - t0) / 1e9 / outputs.length;
            for (int s = 0; s < slots.size(); s++) {
                Slot slot = slots.get(s);
                if (predictors.unitOf()[slot.record()] != u) continue;
                MemberRecord m = predictors.members().get(slot.record());
                int output = slot.pass() >= 0 ? slot.pass() : m.packed() == null ? 0 : m.packed().head();
                probs[s] = outputs[output];
                seconds[s] = each;
            }
        }
    }
}

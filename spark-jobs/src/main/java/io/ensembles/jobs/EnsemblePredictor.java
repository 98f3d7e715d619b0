package io.ensembles.jobs;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.ExampleSet;
import io.ensembles.data.Normalisation;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.store.Manifest;
import io.ensembles.store.MemberRecord;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every member's probabilities on a set of examples, on an executor: the members (the distinct
 * model files: a packed network's heads share one) are leased from this JVM's {@link MemberCache},
 * so an executor loads and verifies each once however many tasks it runs. An MC-dropout member
 * counts as {@code evaluation.mc-passes} members. Used by scoring; the evaluation plans its own
 * slots the same way.
 */
public final class EnsemblePredictor implements Serializable {
    private final String root;
    private final List<MemberRecord> records;
    private final List<MemberRecord> units;
    private final int[] unitOf;
    private final List<EvaluateJob.Slot> slots;
    private final Normalisation norm;
    private final int batch;
    private final int passes;

    private EnsemblePredictor(String root, List<MemberRecord> records, List<MemberRecord> units, int[] unitOf,
                              List<EvaluateJob.Slot> slots, Normalisation norm, int batch, int passes) {
        this.root = root;
        this.records = List.copyOf(records);
        this.units = List.copyOf(units);
        this.unitOf = unitOf;
        this.slots = List.copyOf(slots);
        this.norm = norm;
        this.batch = batch;
        this.passes = passes;
    }

    /** The completed members of {@code manifest} (the first {@code evaluation.max-members} when set). */
    public static EnsemblePredictor of(EnsembleLayout layout, Manifest manifest, EnsembleConfig config) {
        List<MemberRecord> members = manifest.completedMembers();
        if (members.isEmpty()) throw new IllegalStateException(layout.manifest() + ": no completed member");
        int max = config.evaluation().maxMembers();
        if (max > 0 && members.size() > max) members = members.subList(0, max);
        int passes = config.evaluation().mcPasses();
        List<EvaluateJob.Slot> slots = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            MemberRecord r = members.get(i);
            if (io.ensembles.config.Method.MC_DROPOUT.is(r.method())) {
                for (int p = 0; p < passes; p++) slots.add(new EvaluateJob.Slot(EvaluateJob.passId(r.id(), p), i, p));
            } else {
                slots.add(new EvaluateJob.Slot(r.id(), i, -1));
            }
        }
        List<MemberRecord> units = new ArrayList<>();
        int[] unitOf = new int[members.size()];
        Map<String, Integer> byPath = new LinkedHashMap<>();
        for (int i = 0; i < members.size(); i++) {
            Integer u = byPath.get(members.get(i).path());
            if (u == null) {
                u = units.size();
                byPath.put(members.get(i).path(), u);
                units.add(members.get(i));
            }
            unitOf[i] = u;
        }
        return new EnsemblePredictor(layout.root(), members, units, unitOf, slots, manifest.normalisation(),
                config.evaluation().batchSize(), passes);
    }

    /** The ids of the predictors, in the order of {@link #predict}'s rows ({@code m003}, {@code m001/p02}, ...). */
    public List<String> ids() {
        return slots.stream().map(EvaluateJob.Slot::id).toList();
    }

    /** {@code probs[slot][i * classes + k]} on {@code d}; {@code first} is the index of its first row (MC-dropout masks). */
    public float[][] predict(ExampleSet d, long first) throws IOException {
        float[][] probs = new float[slots.size()][];
        double[] seconds = new double[slots.size()];
        List<MemberCache.Lease> leases = new ArrayList<>();
        try {
            for (MemberRecord r : units) leases.add(MemberCache.lease(new EnsembleLayout(root), r));
            new EvaluateJob.Predictions(records, units, unitOf, slots, norm, batch, passes)
                    .all(d, first, leases, probs, seconds);
            return probs;
        } finally {
            for (MemberCache.Lease l : leases) l.close();
        }
    }
}

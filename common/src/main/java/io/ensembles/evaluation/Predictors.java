package io.ensembles.evaluation;

import io.ensembles.config.Method;
import io.ensembles.store.MemberRecord;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The predictors of an ensemble's members: one {@link Slot} per member, or one per pass of an
 * MC-dropout member, and the distinct model files ({@code units}) they read: the M members of a
 * packed network share one file and one forward pass. Evaluation and scoring both plan with this.
 *
 * @param unitOf for each member, the index of its model file in {@code units}
 */
public record Predictors(List<MemberRecord> members, List<Slot> slots, List<MemberRecord> units, int[] unitOf,
                         int passes) implements Serializable {
    /** The predictors of {@code members}, with {@code passes} passes per MC-dropout member. */
    public static Predictors of(List<MemberRecord> members, int passes) {
        List<Slot> slots = new ArrayList<>();
        List<MemberRecord> units = new ArrayList<>();
        int[] unitOf = new int[members.size()];
        Map<String, Integer> unitByPath = new LinkedHashMap<>();
        for (int i = 0; i < members.size(); i++) {
            MemberRecord r = members.get(i);
            if (Method.MC_DROPOUT.is(r.method())) {
                for (int p = 0; p < passes; p++) slots.add(new Slot(Slot.passId(r.id(), p), i, p));
            } else {
                slots.add(new Slot(r.id(), i, -1));
            }
            unitOf[i] = unitByPath.computeIfAbsent(r.path(), path -> {
                units.add(r);
                return units.size() - 1;
            });
        }
        return new Predictors(List.copyOf(members), List.copyOf(slots), List.copyOf(units), unitOf, passes);
    }

    /** The predictors' ids, in order ({@code m003}, {@code m001/p02}, ...): the report's member names. */
    public List<String> ids() {
        return slots.stream().map(Slot::id).toList();
    }

    public boolean hasMcDropout() {
        return members.stream().anyMatch(r -> Method.MC_DROPOUT.is(r.method()));
    }

    /** The parameters of the whole ensemble, each model file counted once. */
    public long parameters() {
        return units.stream().mapToLong(MemberRecord::parameters).sum();
    }

    /** What each predictor added to the training cost: a member's epochs; an MC pass after the first, nothing. */
    public double[] spent() {
        double[] spent = new double[slots.size()];
        for (int s = 0; s < spent.length; s++) {
            Slot slot = slots.get(s);
            spent[s] = slot.pass() > 0 ? 0.0 : members.get(slot.record()).epochsSpent();
        }
        return spent;
    }
}

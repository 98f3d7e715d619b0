package io.ensembles.train;

import io.ensembles.data.ExampleSet;
import java.io.Serializable;

/**
 * Tells a trained member or snapshot that learned nothing from one worth averaging in. Chance is
 * the accuracy of always answering the validation split's most frequent class (1/C on balanced
 * classes); a model whose validation accuracy is at most chance plus the margin is collapsed. Such
 * a model is still stored, for inspection, but its record says {@code collapsed} and why, and the
 * evaluation leaves it out: one collapsed run averaged in makes the whole ensemble worse.
 *
 * @param chance the majority class's share of the validation split (NaN without one)
 * @param margin {@code training.collapse-margin}; 0 turns the guard off
 */
public record CollapseGuard(double chance, double margin) implements Serializable {
    public static final CollapseGuard OFF = new CollapseGuard(Double.NaN, 0);

    public static CollapseGuard of(double margin, ExampleSet validation) {
        if (margin <= 0 || validation.size() == 0) return OFF;
        return new CollapseGuard(chance(validation.labels(), validation.classes()), margin);
    }

    /** The share of the most frequent label. */
    public static double chance(int[] labels, int classes) {
        int[] counts = new int[classes];
        int max = 0;
        for (int y : labels) max = Math.max(max, ++counts[y]);
        return labels.length == 0 ? Double.NaN : max / (double) labels.length;
    }

    public boolean active() {
        return margin > 0 && !Double.isNaN(chance);
    }

    /** Why a model of this validation accuracy is collapsed, or null when it is not (or the guard is off). */
    public String verdict(double validationAccuracy) {
        if (!active() || Double.isNaN(validationAccuracy)) return null;
        if (validationAccuracy > chance + margin) return null;
        return String.format("collapsed: validation accuracy %.4f is within training.collapse-margin = %s of "
                + "chance (%.4f, the most frequent class's share of the validation split)", validationAccuracy,
                margin, chance);
    }
}

package io.ensembles.evaluation;

/**
 * One predictor of the evaluated ensemble: a stored member ({@code pass < 0}), or one MC-dropout
 * pass of one; {@code record} indexes the plan's members.
 */
public record Slot(String id, int record, int pass) implements java.io.Serializable {
    /** The id under which pass {@code p} (0-based) of an MC-dropout member is evaluated. */
    public static String passId(String memberId, int p) {
        return memberId + "/p" + String.format("%02d", p + 1);
    }
}

package io.ensembles.versions;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code versions/vNNNN/retrain.json}: what one retraining run did with its version. Written with
 * {@code state = training} before any training starts (so an interrupted run can be recognised and
 * resumed with the same configuration), and rewritten with the decision at the end.
 *
 * @param basedOn       the version that was current when the run started (null for the first)
 * @param baseSeed      the seed the versions' seeds advance from (version n uses baseSeed + 1000000 (n - 1))
 * @param candidateValue the new version's metric on the held-out data (null before evaluation)
 * @param currentValue   the current version's metric on the same data (null when there was none)
 * @param config        the new version's resolved configuration
 */
public record RetrainRecord(String version, String state, String init, String basedOn, long baseSeed,
                            String metric, double tolerance, Double candidateValue, Double currentValue,
                            String reason, String startedAt, String finishedAt, JsonNode config) {
    public static final String TRAINING = "training";
    public static final String PROMOTED = "promoted";
    public static final String KEPT_OLD = "kept-old";
    public static final String FAILED = "failed";
    /** An interrupted or failed run whose configuration the next run no longer asked for. */
    public static final String ABANDONED = "abandoned";

    /** Runs in these states are unfinished: the next run with the same configuration resumes them. */
    public boolean resumable() {
        return TRAINING.equals(state) || FAILED.equals(state);
    }

    public RetrainRecord with(String newState, Double candidate, Double current, String newReason, String finished) {
        return new RetrainRecord(version, newState, init, basedOn, baseSeed, metric, tolerance, candidate, current,
                newReason, startedAt, finished, config);
    }
}

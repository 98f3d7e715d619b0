package io.ensembles.store;

import io.ensembles.train.EpochMetrics;
import java.io.Serializable;
import java.util.List;

/**
 * One member as the manifest lists it. {@code path} is relative to the ensemble folder;
 * {@code epochsRun} counts the epochs the last attempt trained, {@code resumedFromEpoch} those it
 * took over from a checkpoint, {@code attempts} the Spark task attempts it needed.
 */
public record MemberRecord(
        String id, int index, String method, String architecture, long seed, boolean bagging,
        String status, String failureReason,
        String path, String sha256, long parameters,
        int epochs, int epochsRun, int resumedFromEpoch, int attempts,
        double trainingSeconds, double validationAccuracy, double validationNll,
        List<EpochMetrics> history, String executor) implements Serializable {

    public static final String COMPLETED = "completed";
    public static final String FAILED = "failed";

    public boolean completed() {
        return COMPLETED.equals(status);
    }
}

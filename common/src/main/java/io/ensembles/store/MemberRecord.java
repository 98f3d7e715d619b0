package io.ensembles.store;

import io.ensembles.train.EpochMetrics;
import java.io.Serializable;
import java.util.List;

/**
 * One member as the manifest lists it. {@code path} is relative to the ensemble folder;
 * {@code epochsRun} counts the epochs the last attempt trained, {@code resumedFromEpoch} those it
 * took over from a checkpoint, {@code attempts} the Spark task attempts it needed.
 * {@code epochsSpent} is what this member added to the ensemble's training cost, in epochs: its
 * own epochs for an independent member, the epochs since the previous capture for a snapshot (so
 * the members' sum is the cost of the run). {@code snapshot} is null for independent members.
 * {@code packed} is set for the members of a Packed-Ensemble: M members share one model file
 * (same path and SHA-256), each read from its own head; parameters, seconds and history are the
 * network's, and each member's {@code epochsSpent} is the network's epochs divided by M.
 * {@code device} is where it trained ("cpu", "gpu 1 (Spark GPU address 1)", or a CPU fallback
 * naming the GPU address Spark assigned; null in manifests older than the field).
 * {@code trajectory} lists the member's end-of-epoch weights kept with
 * {@code training.keep-checkpoints} (null when they were not kept).
 */
public record MemberRecord(
        String id, int index, String method, String architecture, long seed, boolean bagging,
        String status, String failureReason,
        String path, String sha256, long parameters,
        int epochs, int epochsRun, int resumedFromEpoch, int attempts,
        double trainingSeconds, double validationAccuracy, double validationNll,
        List<EpochMetrics> history, String executor,
        double epochsSpent, Snapshot snapshot, Packed packed, String device,
        List<EpochCheckpoint> trajectory) implements Serializable {

    public static final String COMPLETED = "completed";
    public static final String FAILED = "failed";
    /** Trained to the end but no better than chance (training.collapse-margin): stored, never evaluated. */
    public static final String COLLAPSED = "collapsed";

    /** The status of a model that trained to its end: completed, or collapsed when {@code collapseReason} is set. */
    public static String finishedStatus(String collapseReason) {
        return collapseReason == null ? COMPLETED : COLLAPSED;
    }

    /**
     * Where in its run a snapshot was taken: cycle (1-based), update count, epochs (fractional)
     * and the learning rate of the capturing update.
     */
    public record Snapshot(int cycle, long iteration, double epoch, double learningRate) implements Serializable {}

    /**
     * Where a packed member lives: its network (the store folder id), the packing and its head
     * (0-based; -1 in the network's own record, before it is split into its members).
     */
    public record Packed(String network, double alpha, int gamma, int heads, int head) implements Serializable {}

    /**
     * The member's weights at the end of one epoch, kept as a verified file (parameters only, no
     * updater state): {@code path} relative to the ensemble folder, with its SHA-256 and the
     * validation metrics of that epoch.
     */
    public record EpochCheckpoint(int epoch, String path, String sha256, double validationAccuracy,
                                  double validationNll) implements Serializable {}

    public boolean completed() {
        return COMPLETED.equals(status);
    }

    public MemberRecord withFile(String newPath, String newSha256) {
        return toBuilder().file(newPath, newSha256).build();
    }

    public MemberRecord withTrajectory(List<EpochCheckpoint> kept) {
        return toBuilder().trajectory(kept).build();
    }

    public MemberRecord withRun(int newAttempts, String newExecutor, double newTrainingSeconds) {
        return toBuilder().attempts(newAttempts).executor(newExecutor).trainingSeconds(newTrainingSeconds).build();
    }

    /** A packed network's record split into its M members: ids and indices {@code firstIndex ..}, one head each. */
    public java.util.List<MemberRecord> packedMembers(int firstIndex, java.util.function.IntFunction<String> idOf) {
        if (packed == null) throw new IllegalStateException(id + " is not a packed network");
        java.util.List<MemberRecord> out = new java.util.ArrayList<>();
        for (int h = 0; h < packed.heads(); h++) {
            Packed p = new Packed(packed.network(), packed.alpha(), packed.gamma(), packed.heads(), h);
            out.add(toBuilder().member(idOf.apply(firstIndex + h), firstIndex + h, method, architecture, seed, bagging)
                    .epochsSpent(epochsSpent / packed.heads()).packed(p).build());
        }
        return out;
    }

    /** A record built field by field, with named steps. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this record's fields, to change some of them. */
    public Builder toBuilder() {
        return new Builder().member(id, index, method, architecture, seed, bagging).status(status, failureReason)
                .file(path, sha256).parameters(parameters).epochs(epochs, epochsRun, resumedFromEpoch)
                .attempts(attempts).trainingSeconds(trainingSeconds).validation(validationAccuracy, validationNll)
                .history(history).executor(executor).epochsSpent(epochsSpent).snapshot(snapshot).packed(packed)
                .device(device).trajectory(trajectory);
    }

    /**
     * Named steps instead of the record's 25 positional fields. Unset: no status, path or history,
     * zero counts, NaN validation metrics.
     */
    public static final class Builder {
        private String id;
        private int index;
        private String method;
        private String architecture;
        private long seed;
        private boolean bagging;
        private String status;
        private String failureReason;
        private String path;
        private String sha256;
        private long parameters;
        private int epochs;
        private int epochsRun;
        private int resumedFromEpoch;
        private int attempts;
        private double trainingSeconds;
        private double validationAccuracy = Double.NaN;
        private double validationNll = Double.NaN;
        private List<EpochMetrics> history = List.of();
        private String executor;
        private double epochsSpent;
        private Snapshot snapshot;
        private Packed packed;
        private String device;
        private List<EpochCheckpoint> trajectory;

        private Builder() {}

        /** Who the member is: its id and index, method, architecture, seed and whether it bags. */
        public Builder member(String id, int index, String method, String architecture, long seed, boolean bagging) {
            this.id = id;
            this.index = index;
            this.method = method;
            this.architecture = architecture;
            this.seed = seed;
            this.bagging = bagging;
            return this;
        }

        /** {@link #COMPLETED}, {@link #FAILED} or {@link #COLLAPSED}, with the reason of the latter two. */
        public Builder status(String status, String failureReason) {
            this.status = status;
            this.failureReason = failureReason;
            return this;
        }

        /** The model file, relative to the ensemble folder, and its SHA-256 (null until stored). */
        public Builder file(String path, String sha256) {
            this.path = path;
            this.sha256 = sha256;
            return this;
        }

        public Builder parameters(long parameters) {
            this.parameters = parameters;
            return this;
        }

        /** The configured epochs, those the last attempt trained, and those it took over from a checkpoint. */
        public Builder epochs(int epochs, int epochsRun, int resumedFromEpoch) {
            this.epochs = epochs;
            this.epochsRun = epochsRun;
            this.resumedFromEpoch = resumedFromEpoch;
            return this;
        }

        public Builder attempts(int attempts) {
            this.attempts = attempts;
            return this;
        }

        public Builder trainingSeconds(double seconds) {
            this.trainingSeconds = seconds;
            return this;
        }

        public Builder validation(double accuracy, double nll) {
            this.validationAccuracy = accuracy;
            this.validationNll = nll;
            return this;
        }

        public Builder history(List<EpochMetrics> history) {
            this.history = history;
            return this;
        }

        public Builder executor(String executor) {
            this.executor = executor;
            return this;
        }

        public Builder epochsSpent(double epochsSpent) {
            this.epochsSpent = epochsSpent;
            return this;
        }

        public Builder snapshot(Snapshot snapshot) {
            this.snapshot = snapshot;
            return this;
        }

        public Builder packed(Packed packed) {
            this.packed = packed;
            return this;
        }

        public Builder device(String device) {
            this.device = device;
            return this;
        }

        public Builder trajectory(List<EpochCheckpoint> trajectory) {
            this.trajectory = trajectory;
            return this;
        }

        public MemberRecord build() {
            return new MemberRecord(id, index, method, architecture, seed, bagging, status, failureReason, path, sha256,
                    parameters, epochs, epochsRun, resumedFromEpoch, attempts, trainingSeconds, validationAccuracy,
                    validationNll, history, executor, epochsSpent, snapshot, packed, device, trajectory);
        }
    }
}

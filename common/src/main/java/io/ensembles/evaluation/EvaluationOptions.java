package io.ensembles.evaluation;

import java.util.Map;

/**
 * Options of an evaluation, built from {@link #defaults()} with named steps, for example
 * {@code EvaluationOptions.defaults().testLimit(200).ood(uri)}.
 *
 * @param testLimit      test examples to use; negative keeps the manifest's setting
 * @param mcPasses       MC-dropout passes; below 1 keeps the configured {@code evaluation.mc-passes}
 * @param ood            the out-of-distribution set, or null for the configured one
 * @param skipBadMembers leave out members whose file fails verification, with a warning, instead of failing
 * @param shift          also evaluate under the corruptions of the shift benchmark
 * @param settings       configuration keys (e.g. {@code evaluation.rows-per-task}) over the manifest's configuration
 * @param output         the folder of metrics.json, report.html and predictions; null for the ensemble's own
 */
public record EvaluationOptions(int testLimit, int mcPasses, String ood, boolean skipBadMembers, boolean shift,
                                Map<String, Object> settings, String output) {
    public EvaluationOptions {
        settings = settings == null ? Map.of() : Map.copyOf(settings);
    }

    /** The manifest's test set and settings, the configured MC passes and OOD set, written to the ensemble. */
    public static EvaluationOptions defaults() {
        return new EvaluationOptions(-1, 0, null, false, false, Map.of(), null);
    }

    public EvaluationOptions testLimit(int limit) {
        return new EvaluationOptions(limit, mcPasses, ood, skipBadMembers, shift, settings, output);
    }

    public EvaluationOptions mcPasses(int passes) {
        return new EvaluationOptions(testLimit, passes, ood, skipBadMembers, shift, settings, output);
    }

    public EvaluationOptions ood(String set) {
        return new EvaluationOptions(testLimit, mcPasses, set, skipBadMembers, shift, settings, output);
    }

    public EvaluationOptions skipBadMembers(boolean skip) {
        return new EvaluationOptions(testLimit, mcPasses, ood, skip, shift, settings, output);
    }

    public EvaluationOptions shift(boolean corrupt) {
        return new EvaluationOptions(testLimit, mcPasses, ood, skipBadMembers, corrupt, settings, output);
    }

    public EvaluationOptions settings(Map<String, Object> keys) {
        return new EvaluationOptions(testLimit, mcPasses, ood, skipBadMembers, shift, keys, output);
    }

    /**
     * The same evaluation writing its metrics.json, report.html and predictions to another folder
     * than the ensemble's (retraining evaluates the current version on new data without touching it).
     */
    public EvaluationOptions writingTo(String folder) {
        return new EvaluationOptions(testLimit, mcPasses, ood, skipBadMembers, shift, settings, folder);
    }
}

package io.ensembles.evaluation;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * How an evaluation ran, kept in {@code metrics.json} beside the metrics (docs/format.md): the sets,
 * the settings that shape the numbers, the tasks, the driver's memory and the phases' times (the
 * ensemble's cost is the report's own, {@link io.ensembles.report.EvaluationReport.Cost}).
 * Absent parts (no OOD set, no predictions written, no MC-dropout member) are null and left out.
 *
 * @param testImages   where the test set came from
 * @param oodImages    where the OOD set came from, or null
 * @param predictions  the Parquet table of every predictor's probabilities, or null when not written
 * @param mcPasses     the passes of each MC-dropout member, or null without one
 * @param timings      seconds per phase (predictSeconds, parquetSeconds, metricsSeconds, oodSeconds, totalSeconds)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EvaluationRun(String testImages, int eceBins, String oodImages, Long oodExamples, String method,
                            int randomOrders, int baseEpochs, Tasks tasks, String predictions,
                            double driverPeakHeapMiB, double driverPeakLiveHeapMiB, Map<String, Double> timings,
                            Integer mcPasses) {
    /** The prediction tasks of each set, and the rows per task they were cut into. */
    public record Tasks(int test, int ood, int rowsPerTask) {}

}

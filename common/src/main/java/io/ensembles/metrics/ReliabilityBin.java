package io.ensembles.metrics;

/**
 * One equal-width confidence bin of a reliability diagram: predictions whose confidence is in
 * (lower, upper], how many, their mean confidence and their accuracy (NaN for an empty bin).
 */
public record ReliabilityBin(double lower, double upper, long count, double confidence, double accuracy) {
    static ReliabilityBin of(int b, int bins, long count, double confidenceSum, double correct) {
        return new ReliabilityBin(b / (double) bins, (b + 1) / (double) bins, count,
                count == 0 ? Double.NaN : confidenceSum / count, count == 0 ? Double.NaN : correct / count);
    }
}

package io.ensembles.data;

import io.ensembles.config.EnsembleConfig.DataSection;

/** Loads the configured data sets (training split and test set) and checks they fit each other. */
public final class DataLoader {
    private DataLoader() {}

    public static TrainingData training(DataSection d) {
        ImageDataset full = IdxReader.read(d.trainImages(), d.trainLabels(), d.classes(), d.limit());
        return TrainingData.split(full, d.validationFraction(), d.splitSeed(),
                DataSection.NORM_UNIT_RANGE.equals(d.normalisation()));
    }

    public static ImageDataset test(DataSection d, int rows, int cols) {
        ImageDataset test = IdxReader.read(d.testImages(), d.testLabels(), d.classes(), d.testLimit());
        if (test.rows() != rows || test.cols() != cols) {
            throw new DataFormatException(d.testImages(), "has images of " + test.rows() + "x" + test.cols()
                    + " but the models expect " + rows + "x" + cols);
        }
        return test;
    }

    /** The configured out-of-distribution set, or null when {@code data.ood-images} is empty. */
    public static ImageDataset ood(DataSection d, int rows, int cols) {
        String uri = d.oodImages();
        if (uri == null || uri.isBlank()) return null;
        if (!(uri.endsWith(".csv") || uri.endsWith(".csv.gz"))) {
            throw new DataFormatException(uri, "is not a digits CSV (expected a .csv or .csv.gz file of 64 pixel "
                    + "columns and a label, as scikit-learn's digits.csv.gz)");
        }
        ImageDataset ood = DigitsCsvReader.read(uri, 0);
        if (ood.rows() != rows || ood.cols() != cols) {
            throw new DataFormatException(uri, "has images of " + ood.rows() + "x" + ood.cols() + " but the models "
                    + "expect " + rows + "x" + cols);
        }
        return ood;
    }
}

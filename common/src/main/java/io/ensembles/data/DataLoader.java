package io.ensembles.data;

import io.ensembles.config.EnsembleConfig.DataSection;

/** Loads the configured data sets (training split and test set) and checks they fit each other. */
public final class DataLoader {
    private DataLoader() {}

    public static TrainingData training(DataSection d) {
        ImageDataset full = IdxReader.read(d.trainImages(), d.trainLabels(), d.classes(), d.limit());
        return TrainingData.split(full, d.validationFraction(), d.splitSeed());
    }

    public static ImageDataset test(DataSection d, int rows, int cols) {
        ImageDataset test = IdxReader.read(d.testImages(), d.testLabels(), d.classes(), d.testLimit());
        if (test.rows() != rows || test.cols() != cols) {
            throw new DataFormatException(d.testImages(), "has images of " + test.rows() + "x" + test.cols()
                    + " but the models expect " + rows + "x" + cols);
        }
        return test;
    }
}

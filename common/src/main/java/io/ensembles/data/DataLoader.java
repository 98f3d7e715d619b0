package io.ensembles.data;

import io.ensembles.config.EnsembleConfig.DataSection;
import io.ensembles.config.SourceSpec;

/**
 * Loads the data sets the project reads without Spark SQL: the IDX files of the {@code data.*-images}
 * keys, the digits CSV, and sources of format {@value SourceSpec#IDX} or {@value SourceSpec#DIGITS_CSV};
 * splits the training set and checks that a set fits the models.
 */
public final class DataLoader {
    private DataLoader() {}

    /** The training split of the {@code data.train-images} / {@code data.train-labels} files. */
    public static TrainingData training(DataSection d) {
        return split(IdxReader.read(d.trainImages(), d.trainLabels(), d.classes(), d.limit()), d);
    }

    /** {@code full} (read from files) split into training and validation as {@code data.*} says, with its normalisation. */
    public static TrainingData split(ExampleSet full, DataSection d) {
        return split(full, d, false);
    }

    /** As above; {@code table}: read from a table, split by row hash unless {@code data.split} says otherwise. */
    public static TrainingData split(ExampleSet full, DataSection d, boolean table) {
        boolean unit = DataSection.NORM_UNIT_RANGE.equals(d.normalisation());
        return d.hashSplit(table) ? TrainingData.hashSplit(full, d.validationFraction(), d.splitSeed(), unit)
                : TrainingData.split(full, d.validationFraction(), d.splitSeed(), unit);
    }

    /** The test set of the {@code data.test-images} / {@code data.test-labels} files. */
    public static ExampleSet test(DataSection d) {
        return IdxReader.read(d.testImages(), d.testLabels(), d.classes(), d.testLimit());
    }

    /** The test files, checked against the models' input shape. */
    public static ExampleSet test(DataSection d, InputShape expected) {
        return checkShape(test(d), expected);
    }

    /** The {@code data.ood-images} digits CSV, or null when it is empty. */
    public static ExampleSet ood(DataSection d) {
        String uri = d.oodImages();
        if (uri == null || uri.isBlank()) return null;
        if (!(uri.endsWith(".csv") || uri.endsWith(".csv.gz"))) {
            throw new DataFormatException(uri, "is not a digits CSV (expected a .csv or .csv.gz file of 64 pixel "
                    + "columns and a label, as scikit-learn's digits.csv.gz)");
        }
        return DigitsCsvReader.read(uri, 0);
    }

    /** As above, checked against the models' input shape. */
    public static ExampleSet ood(DataSection d, InputShape expected) {
        ExampleSet ood = ood(d);
        return ood == null ? null : checkShape(ood, expected);
    }

    /** A source read by the project's own readers: idx (labels file in {@code options.labels}) or digits-csv. */
    public static ExampleSet read(SourceSpec s, int classes, int limit) {
        return switch (s.format()) {
            case SourceSpec.IDX -> IdxReader.read(s.path(), s.options().get("labels"), classes, limit);
            case SourceSpec.DIGITS_CSV -> DigitsCsvReader.read(s.path(), limit);
            default -> throw new IllegalArgumentException(s.describe() + " is read through Spark SQL, not here");
        };
    }

    /** {@code set} itself when its examples have the shape the models expect; else one line naming both shapes. */
    public static ExampleSet checkShape(ExampleSet set, InputShape expected) {
        if (!set.shape().equals(expected)) {
            throw new DataFormatException(set.source(), "has examples of " + set.shape() + " but the models expect "
                    + expected);
        }
        return set;
    }
}

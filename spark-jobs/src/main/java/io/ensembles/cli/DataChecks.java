package io.ensembles.cli;

import io.ensembles.config.EnsembleConfig.DataSection;
import io.ensembles.store.Fs;

/** Checks, before Spark starts, that the configured data files are there. */
final class DataChecks {
    private DataChecks() {}

    static void requireFiles(DataSection d) {
        require("data.train-images", d.trainImages());
        require("data.train-labels", d.trainLabels());
        require("data.test-images", d.testImages());
        require("data.test-labels", d.testLabels());
    }

    /** One file named by an option or key. */
    static void requireFile(String key, String uri) {
        require(key, uri);
    }

    private static void require(String key, String uri) {
        boolean ok;
        try {
            ok = Fs.isFile(uri);
        } catch (RuntimeException e) {
            throw new CliException("invalid value for " + key + ": " + uri + " cannot be checked (" + e.getMessage() + ")");
        }
        if (!ok) {
            String hint = uri.contains("/usr/share/datasets/fashion-mnist")
                    ? "; install it with: apt-get install -y dataset-fashion-mnist"
                    : uri.contains("/usr/share/datasets/sklearn-digits") ? "; run submit/setup to extract it" : "";
            throw new CliException("invalid value for " + key + ": " + uri + " does not exist or is not a file" + hint);
        }
    }
}

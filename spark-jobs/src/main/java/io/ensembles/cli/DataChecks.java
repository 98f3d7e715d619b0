package io.ensembles.cli;

import io.ensembles.config.EnsembleConfig.DataSection;
import io.ensembles.fs.Fs;

/** Checks, before Spark starts, that the configured data files are there. */
final class DataChecks {
    private DataChecks() {}

    static void requireFiles(DataSection d) {
        if (d.train().configured()) return; // tables: Spark SQL reads and checks them (globs, folders)
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

    /** The IDX files of a data folder, by the names the MNIST family uses, gzipped or not. */
    static final String[][] FOLDER_FILES = {
        {"data.train-images", "train-images-idx3-ubyte"}, {"data.train-labels", "train-labels-idx1-ubyte"},
        {"data.test-images", "t10k-images-idx3-ubyte"}, {"data.test-labels", "t10k-labels-idx1-ubyte"}};

    /**
     * The data settings a folder stands for ({@code --data}): its four IDX files, each as
     * {@code name.gz} or {@code name}. A missing one is an error naming what was expected.
     */
    static java.util.Map<String, Object> dataFolder(String option, String dir) {
        String root = Fs.qualify(dir).replaceAll("/+$", "");
        java.util.Map<String, Object> keys = new java.util.LinkedHashMap<>();
        java.util.List<String> missing = new java.util.ArrayList<>();
        for (String[] f : FOLDER_FILES) {
            String gz = root + "/" + f[1] + ".gz";
            String plain = root + "/" + f[1];
            if (Fs.isFile(gz)) keys.put(f[0], gz);
            else if (Fs.isFile(plain)) keys.put(f[0], plain);
            else missing.add(f[1] + "[.gz]");
        }
        if (!missing.isEmpty()) {
            throw new CliException("invalid value for " + option + ": " + root + " (expected a folder holding "
                    + "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and "
                    + "t10k-labels-idx1-ubyte, gzipped or not; missing " + String.join(", ", missing) + ")");
        }
        return keys;
    }
}

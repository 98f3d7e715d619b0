package io.ensembles.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.ensembles.config.EnsembleConfig;
import java.io.File;
import java.util.Map;

/**
 * The real Fashion-MNIST files (Debian package dataset-fashion-mnist, installed by submit/setup) and
 * configurations over them: the one place tests get their data settings from.
 */
public final class FashionMnist {
    public static final String DIR = "/usr/share/datasets/fashion-mnist";
    /** The folder as a URI, ending in '/': the files are {@code URI + "t10k-images-idx3-ubyte.gz"} and so on. */
    public static final String URI = "file://" + DIR + "/";

    /**
     * The slice most job tests train on: 3,000 training images (a fifth held out for validation)
     * and 1,000 test images.
     */
    public static final String SLICE = "data { limit = 3000, test-limit = 1000, validation-fraction = 0.2 }\n";

    private FashionMnist() {}

    public static void requirePresent() {
        assertTrue(new File(DIR, "train-images-idx3-ubyte.gz").isFile(),
                "Fashion-MNIST is missing: run submit/setup (apt-get install -y dataset-fashion-mnist)");
    }

    /** A configuration over the defaults (the real data set), from HOCON text. */
    public static EnsembleConfig config(String hocon) {
        requirePresent();
        return EnsembleConfig.from(ConfigFactory.parseString(hocon), Map.of());
    }
}

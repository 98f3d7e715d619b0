package io.ensembles;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.ensembles.config.EnsembleConfig;
import java.io.File;
import java.util.Map;

/** The real Fashion-MNIST files (Debian package dataset-fashion-mnist, installed by submit/setup). */
public final class FashionMnist {
    public static final String DIR = "/usr/share/datasets/fashion-mnist";

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

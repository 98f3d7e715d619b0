package io.ensembles.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnsembleConfigTest {
    @TempDir
    Path dir;

    private static EnsembleConfig parse(String hocon) {
        return EnsembleConfig.from(ConfigFactory.parseString(hocon), Map.of());
    }

    private static String rejected(String hocon) {
        ConfigValidationException e = assertThrows(ConfigValidationException.class, () -> parse(hocon));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void defaultsAreValid() {
        EnsembleConfig c = EnsembleConfig.defaults();
        assertEquals(5, c.ensemble().members());
        assertEquals(List.of(Architecture.CNN), c.model().architectures());
        assertEquals("cosine", c.training().schedule());
        assertEquals(15, c.evaluation().eceBins());
    }

    @Test
    void fileOverridesDefaultsAndOverridesWin() throws Exception {
        Path f = dir.resolve("job.conf");
        Files.writeString(f, "ensemble { members = 3 }\ntraining.epochs = 7\nmodel.architectures = [mlp, resnet]\n");
        EnsembleConfig c = EnsembleConfig.load(f.toFile(), Map.of("training.epochs", 2, "data.limit", "500"));
        assertEquals(3, c.ensemble().members());
        assertEquals(2, c.training().epochs());
        assertEquals(500, c.data().limit());
        assertEquals(Architecture.MLP, c.model().architectureOf(0));
        assertEquals(Architecture.RESNET, c.model().architectureOf(1));
        assertEquals(Architecture.MLP, c.model().architectureOf(2));
        assertTrue(c.ensemble().memberSeed(0) != c.ensemble().memberSeed(1));
    }

    @Test
    void theEnsembleNameCannotLeadOutOfItsFolder() {
        for (String bad : new String[] {"../../etc", "/tmp/x", "a/b", "..", ".hidden", "x..y", "hdfs://nn/x", "a b"}) {
            String m = rejected("ensemble.name = \"" + bad + "\"");
            assertTrue(m.startsWith("invalid value for ensemble.name: \"" + bad + "\""), m);
        }
        assertEquals("nightly-v2.cnn_5", parse("ensemble.name = \"nightly-v2.cnn_5\"").ensemble().name());
        // the retrain keys are checked like every other
        assertTrue(rejected("retrain.init = cold").contains("retrain.init"));
        assertTrue(rejected("retrain.tolerance = -1").contains("retrain.tolerance: -1"));
    }

    @Test
    void theMethodIsAnEnumAndItsRulesHoldForLibraryCallers() {
        assertEquals(Method.MC_DROPOUT, parse("ensemble.method = mc-dropout, model.dropout = 0.2").ensemble().method());
        // without a dropout rate mc-dropout has nothing to sample: refused by the configuration itself
        assertEquals("invalid value for model.dropout: 0.0 (expected a rate > 0 for mc-dropout, e.g. --set "
                + "model.dropout=0.2)", rejected("ensemble.method = mc-dropout"));
        assertTrue(rejected("ensemble.method = bagging").contains("one of [deep, fge, mc-dropout, nocycle, packed, "
                + "single-cycle, sse]"));
        assertEquals(java.util.Set.of("deep", "single-cycle", "mc-dropout", "packed"), Method.idsOf("train"));
        assertEquals(java.util.Set.of("sse", "fge", "nocycle"), Method.idsOf("snapshot"));
        for (Method m : Method.values()) {
            assertEquals(m, Method.of(m.id()));
            assertTrue(m.is(m.id()));
        }
        assertThrows(IllegalArgumentException.class, () -> Method.of("swa"));
    }

    @Test
    void sizesThatCanOnlyBeMistakesAreRefusedWithTheirMaximum() {
        String m = rejected("ensemble.members = 1000000");
        assertEquals("invalid value for ensemble.members: 1000000 (expected a whole number from 1 to 1000; larger can "
                + "only be a mistake (the maximum is documented in ensembles-defaults.conf))", m);
        assertEquals(1000, parse("ensemble.members = 1000").ensemble().members());
        for (var e : ConfigLimits.MAXIMA.entrySet()) {
            boolean list = e.getKey().endsWith("hidden") || e.getKey().endsWith("channels") || e.getKey().endsWith("widths");
            String tooLarge = String.valueOf(e.getValue() + 1);
            m = rejected(e.getKey() + " = " + (list ? "[" + tooLarge + "]" : tooLarge));
            assertTrue(m.contains(e.getKey()) && m.contains(tooLarge) && m.contains(" to " + e.getValue()), m);
        }
    }

    /** Each maximum is written beside its key in the defaults file, the configuration's reference. */
    @Test
    void theDefaultsFileDocumentsEveryMaximum() throws Exception {
        java.util.List<String> lines;
        try (var in = EnsembleConfig.class.getClassLoader().getResourceAsStream(EnsembleConfig.DEFAULTS_RESOURCE)) {
            lines = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().toList();
        }
        for (var e : ConfigLimits.MAXIMA.entrySet()) {
            String key = e.getKey().substring(e.getKey().lastIndexOf('.') + 1);
            String block = e.getKey().substring(0, e.getKey().lastIndexOf('.'));
            block = block.substring(block.lastIndexOf('.') + 1);
            int at = -1;
            for (int i = 0, open = -1; i < lines.size(); i++) {
                String s = lines.get(i).strip();
                if (s.equals(block + " {")) open = i;
                if (open >= 0 && s.startsWith(key + " =")) { at = i; break; }
            }
            assertTrue(at > 0, e.getKey() + " not found in the defaults file");
            // the comment lines above the key's group (up to a blank line or the block's opening)
            StringBuilder comments = new StringBuilder();
            for (int i = at - 1; i >= 0 && !lines.get(i).isBlank() && !lines.get(i).strip().endsWith("{"); i--) {
                comments.insert(0, lines.get(i).strip().replaceFirst("^#", "") + " ");
            }
            String max = String.valueOf(e.getValue());
            assertTrue(comments.toString().replaceAll("\\s+", " ").toLowerCase(java.util.Locale.ROOT).contains("at most " + max),
                    e.getKey() + ": its comment does not give the maximum " + max + ": " + comments);
        }
    }

    @Test
    void badValuesNameKeyValueAndWhatIsAllowed() {
        String m = rejected("ensemble.members = 0");
        assertTrue(m.contains("ensemble.members") && m.contains(": 0") && m.contains(">= 1"), m);
        m = rejected("training.learning-rate = -0.1");
        assertTrue(m.contains("training.learning-rate") && m.contains("-0.1") && m.contains("> 0.0"), m);
        m = rejected("model.architectures = [cnn, transformer]");
        assertTrue(m.contains("model.architectures") && m.contains("transformer") && m.contains("mlp"), m);
        m = rejected("training.schedule = warmup");
        assertTrue(m.contains("training.schedule") && m.contains("warmup") && m.contains("cosine"), m);
        m = rejected("training.epochs = lots");
        assertTrue(m.contains("training.epochs") && m.contains("lots") && m.contains("whole number"), m);
        m = rejected("model.dropout = 1.0");
        assertTrue(m.contains("model.dropout") && m.contains("< 1.0"), m);
        m = rejected("data.validation-fraction = 0.95");
        assertTrue(m.contains("data.validation-fraction"), m);
        m = rejected("ensemble.method = boosting");
        assertTrue(m.contains("ensemble.method") && m.contains("deep"), m);
        m = rejected("model.cnn.channels = [16, 0]");
        assertTrue(m.contains("model.cnn.channels"), m);
        m = rejected("data.train-images = \"\"");
        assertTrue(m.contains("data.train-images"), m);
    }

    @Test
    void unknownKeysAreTypos() {
        String m = rejected("training.epoch = 3");
        assertTrue(m.contains("unknown configuration key 'training.epoch'"), m);
    }

    @Test
    void missingOrBrokenFiles() throws Exception {
        ConfigValidationException e = assertThrows(ConfigValidationException.class,
                () -> EnsembleConfig.load(new File(dir.toFile(), "none.conf"), Map.of()));
        assertTrue(e.getMessage().contains("none.conf") && e.getMessage().contains("does not exist"));
        Path broken = dir.resolve("broken.conf");
        Files.writeString(broken, "training { epochs = ");
        e = assertThrows(ConfigValidationException.class, () -> EnsembleConfig.load(broken.toFile(), Map.of()));
        assertTrue(e.getMessage().contains("cannot be parsed"), e.getMessage());
    }

    @Test
    void overridesAreValidatedToo() throws Exception {
        Path f = dir.resolve("ok.conf");
        Files.writeString(f, "ensemble.members = 2");
        ConfigValidationException e = assertThrows(ConfigValidationException.class,
                () -> EnsembleConfig.load(f.toFile(), Map.of("ensemble.members", -3)));
        assertTrue(e.getMessage().contains("ensemble.members") && e.getMessage().contains("-3"));
    }

    @Test
    void theShippedConfigsAreValid() {
        File conf = new File("../conf");
        File[] files = conf.listFiles((d, n) -> n.endsWith(".conf") && !n.startsWith("spark"));
        assertTrue(files != null && files.length >= 2, "conf/ holds job configs");
        for (File f : files) EnsembleConfig.load(f, Map.of());
    }

    @Test
    void snapshotMethodsAndTheirRules() {
        EnsembleConfig c = parse("ensemble.method = fge, training.epochs = 10");
        assertEquals(8, c.snapshot().fgePretrainEpochs(c.training()));
        assertEquals(10, c.budget().baseEpochs(c.training()));
        assertEquals(4, parse("budget.base-epochs = 4").budget().baseEpochs(c.training()));
        assertTrue(rejected("ensemble.method = snapshot").contains("ensemble.method"));
        assertTrue(rejected("ensemble.method = sse, snapshot.cycles = 1").contains("snapshot.cycles: 1"));
        assertTrue(rejected("ensemble.method = fge, snapshot.fge { rate-high = 0.001, rate-low = 0.01 }")
                .contains("a1 > a2"));
        assertTrue(rejected("ensemble.method = fge, training.epochs = 4, snapshot.fge.pretrain-epochs = 4")
                .contains("snapshot.fge.pretrain-epochs"));
        assertTrue(rejected("snapshot.mode = spread").contains("snapshot.mode"));
        assertTrue(rejected("evaluation.mc-passes = 0").contains("evaluation.mc-passes"));
    }

    @Test
    void packedEnsemblesAndTheirRules() {
        EnsembleConfig c = parse("ensemble { method = packed, members = 8 }, packed { alpha = 2, gamma = 2, heads = 4 }");
        assertEquals(4, c.packed().heads(c.ensemble()));
        assertEquals(2, c.packed().networks(c.ensemble()));
        // heads = 0: all K members in one network
        EnsembleConfig one = parse("ensemble { method = packed, members = 4 }");
        assertEquals(4, one.packed().heads(one.ensemble()));
        assertEquals(1, one.packed().networks(one.ensemble()));
        assertTrue(rejected("ensemble { method = packed, members = 6 }, packed.heads = 4")
                .contains("invalid value for packed.heads: 4 (expected a divisor of ensemble.members = 6"));
        // the default cnn has 16 channels: 2 * 16 = 32 does not split into 3 * 4 = 12 groups
        String m = rejected("ensemble { method = packed, members = 4 }, packed { alpha = 2, gamma = 3 }");
        assertTrue(m.contains("model.cnn.channels[0]") && m.contains("gamma * M = 3 * 4 = 12"), m);
        assertTrue(rejected("ensemble { method = packed, members = 4 }, packed.alpha = 1.1").contains("whole number"));
        assertTrue(rejected("packed.alpha = 0").contains("invalid value for packed.alpha: 0"));
        assertTrue(rejected("packed.alpha = -2").contains("packed.alpha"));
        assertTrue(rejected("packed.gamma = 0").contains("packed.gamma"));
        assertTrue(rejected("packed.heads = -1").contains("packed.heads"));
        // widths are only checked for the packed method
        parse("ensemble { method = deep, members = 4 }, packed { alpha = 2, gamma = 3 }");
    }

    @Test
    void dataParallelTrainingIsOffByDefaultAndMustBeABoolean() {
        assertFalse(parse("").training().dataParallel());
        assertTrue(parse("training.data-parallel = true").training().dataParallel());
        assertTrue(rejected("training.data-parallel = sometimes").contains("training.data-parallel"));
    }

    @Test
    void keptEpochCheckpointsAreOffByDefaultAndMustBeABoolean() {
        assertFalse(parse("").training().keepCheckpoints());
        assertTrue(parse("training.keep-checkpoints = true").training().keepCheckpoints());
        String e = rejected("training.keep-checkpoints = every-epoch");
        assertTrue(e.contains("training.keep-checkpoints") && e.contains("every-epoch") && e.contains("true or false"), e);
    }

    @Test
    void thePapersRecipeIsTheDefaultAndItsKeysAreChecked() {
        EnsembleConfig d = parse("");
        assertEquals("coupled", d.training().weightDecayMode());
        assertFalse(d.training().decoupledDecay());
        assertEquals(1.0, d.training().clipNorm());
        assertEquals(0.0, d.training().warmupEpochs());
        assertEquals(0.05, d.training().collapseMargin());
        assertEquals("fan-in-uniform", d.model().weightInit());
        assertEquals(-1, d.debug().shuffleLabelsMember());
        assertEquals("standardise", d.data().normalisation());
        assertTrue(rejected("data.normalisation = zscore").contains("data.normalisation: \"zscore\""));
        assertTrue(parse("training.weight-decay-mode = decoupled").training().decoupledDecay());
        assertEquals("invalid value for training.weight-decay-mode: \"adamw\" (expected one of [coupled, decoupled])",
                rejected("training.weight-decay-mode = adamw"));
        assertEquals("invalid value for model.weight-init: \"xavier\" (expected one of [fan-in-uniform, he])",
                rejected("model.weight-init = xavier"));
        assertTrue(rejected("training.clip-norm = -1").contains("training.clip-norm: -1 (expected a number >= 0.0"));
        assertTrue(rejected("training.warmup-epochs = soon").contains("training.warmup-epochs"));
        assertTrue(rejected("training.collapse-margin = 1").contains("training.collapse-margin: 1 (expected a number "
                + ">= 0.0 and < 1.0)"));
    }
}

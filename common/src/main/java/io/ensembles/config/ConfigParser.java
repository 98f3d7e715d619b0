package io.ensembles.config;

import static io.ensembles.config.ConfigLimits.*;
import static io.ensembles.config.EnsembleConfig.*;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The merged configuration into a validated {@link EnsembleConfig}, one section at a time, then the
 * rules that span sections (a method's requirements, a packing that divides every width).
 */
final class ConfigParser {
    private ConfigParser() {}

    static EnsembleConfig parse(Config c) {
        ConfigReader r = new ConfigReader(c);
        EnsembleSection ens = ensemble(r);
        DataSection data = data(r, c);
        ModelSection model = model(r);
        TrainingSection tr = training(r);
        EvaluationSection ev = evaluation(r);
        BudgetSection budget = new BudgetSection(r.intAtLeast("budget.base-epochs", 0));
        SnapshotSection snap = snapshot(r);
        PackedSection packed = packed(r);
        checkMethod(r, ens.method(), model, tr, snap);
        if (ens.method() == Method.PACKED) checkPacking(r, ens, model, packed);
        RetrainSection retrain = retrain(r);
        DeviceSection device = new DeviceSection(r.oneOf("device.gpu", GPU_POLICIES));
        DebugSection dbg = debug(r);
        String rendered = c.root().render(ConfigRenderOptions.concise().setFormatted(true));
        return new EnsembleConfig(ens, data, model, tr, ev, budget, snap, packed, retrain, device, dbg, rendered);
    }

    /** {@code ensemble.*}; the name becomes a folder (the default output ensembles/&lt;name&gt;): it may not lead elsewhere. */
    private static EnsembleSection ensemble(ConfigReader r) {
        String name = r.nonBlank("ensemble.name");
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*") || name.contains("..")) {
            r.fail("ensemble.name", "\"" + name + "\"", "letters, digits, '.', '_' and '-', starting with a letter "
                    + "or digit, without '..' (it names a folder)");
        }
        EnsembleSection ens = new EnsembleSection(
                name,
                Method.of(r.oneOf("ensemble.method", Method.ids())),
                r.intIn("ensemble.members", 1, MAX_MEMBERS),
                r.longAny("ensemble.seed"),
                r.bool("ensemble.bagging"));
        return ens;
    }

    /** {@code data.*}: the files or the source blocks, the split, streaming. */
    private static DataSection data(ConfigReader r, Config c) {
        DataSection data = new DataSection(
                r.nonBlank("data.train-images"), r.nonBlank("data.train-labels"),
                r.nonBlank("data.test-images"), r.nonBlank("data.test-labels"),
                r.intAtLeast("data.classes", 2),
                r.intAtLeast("data.limit", 0),
                r.intAtLeast("data.test-limit", 0),
                r.doubleIn("data.validation-fraction", 0.0, true, 0.9, true),
                r.longAny("data.split-seed"),
                r.string("data.ood-images"),
                r.oneOf("data.normalisation", Set.of(DataSection.NORM_STANDARDISE, DataSection.NORM_UNIT_RANGE)),
                source(r, c, "train"), source(r, c, "test"), source(r, c, "ood"),
                resize(r), r.oneOf("data.split", Set.of(DataSection.SPLIT_AUTO, DataSection.SPLIT_PERMUTATION,
                        DataSection.SPLIT_HASH)),
                new DataSection.Streaming(r.doubleIn("data.broadcast-max-mb", 0.0, true, 1e9, true),
                        r.intAtLeast("data.shuffle-buffer", 1), r.oneOf("data.local-cache", Set.of(DataSection.Streaming.CACHE_AUTO,
                        DataSection.Streaming.CACHE_ON, DataSection.Streaming.CACHE_OFF))));
        if (data.train().configured() != data.test().configured()) {
            String missing = data.train().configured() ? "data.test" : "data.train";
            r.fail(missing + ".format", "\"\"", "a source as well: data.train and data.test are both source blocks "
                    + "or both left empty (the data.train-images ... keys)");
        }
        return data;
    }

    /** {@code model.*}: the architectures and their sizes. */
    private static ModelSection model(ConfigReader r) {
        List<Architecture> archs = new ArrayList<>();
        List<String> names = r.stringList("model.architectures");
        if (names.isEmpty()) r.fail("model.architectures", "[]", "a non-empty list of " + Architecture.names());
        for (String n : names) {
            Architecture a = Architecture.byName(n);
            if (a == null) r.fail("model.architectures", "\"" + n + "\"", "one of " + Architecture.names());
            archs.add(a);
        }
        ModelSection model = new ModelSection(List.copyOf(archs),
                r.doubleIn("model.dropout", 0.0, true, 1.0, false),
                r.positiveInts("model.mlp.hidden", MAX_WIDTH),
                r.positiveInts("model.cnn.channels", MAX_WIDTH),
                r.intIn("model.cnn.kernel", 1, MAX_KERNEL),
                r.intIn("model.cnn.dense", 1, MAX_WIDTH),
                r.positiveInts("model.resnet.widths", MAX_WIDTH),
                r.intIn("model.resnet.blocks-per-stage", 1, MAX_BLOCKS),
                r.oneOf("model.weight-init", WEIGHT_INITS));
        if (model.cnnChannels().size() > 4) {
            r.fail("model.cnn.channels", model.cnnChannels().toString(), "at most 4 conv stages for 28x28 inputs");
        }
        if (model.resnetWidths().size() > 4) {
            r.fail("model.resnet.widths", model.resnetWidths().toString(), "at most 4 stages for 28x28 inputs");
        }
        return model;
    }

    /** {@code training.*}. */
    private static TrainingSection training(ConfigReader r) {
        TrainingSection tr = new TrainingSection(
                r.intIn("training.epochs", 1, MAX_EPOCHS),
                r.intIn("training.batch-size", 1, MAX_BATCH),
                r.doubleIn("training.learning-rate", 0.0, false, 10.0, true),
                r.doubleIn("training.momentum", 0.0, true, 1.0, false),
                r.doubleIn("training.weight-decay", 0.0, true, 1.0, true),
                r.oneOf("training.weight-decay-mode", DECAY_MODES),
                r.doubleIn("training.warmup-epochs", 0.0, true, 10000.0, true),
                r.doubleIn("training.clip-norm", 0.0, true, Double.MAX_VALUE, true),
                r.oneOf("training.schedule", SCHEDULES),
                r.intAtLeast("training.step-epochs", 1),
                r.doubleIn("training.step-factor", 0.0, false, 1.0, true),
                r.doubleIn("training.divergence-loss", 0.0, false, Double.MAX_VALUE, true),
                r.doubleIn("training.collapse-margin", 0.0, true, 1.0, false),
                r.intAtLeast("training.log-every-iterations", 1),
                r.bool("training.data-parallel"),
                r.bool("training.keep-checkpoints"));
        return tr;
    }

    /** {@code evaluation.*}. */
    private static EvaluationSection evaluation(ConfigReader r) {
        EvaluationSection ev = new EvaluationSection(
                r.intAtLeast("evaluation.batch-size", 1),
                r.intAtLeast("evaluation.ece-bins", 1),
                r.intIn("evaluation.mc-passes", 1, MAX_PASSES),
                r.intIn("evaluation.random-orders", 0, MAX_ORDERS),
                r.intAtLeast("evaluation.rows-per-task", 1),
                r.intAtLeast("evaluation.max-members", 0),
                r.bool("evaluation.write-predictions"),
                r.doubleIn("evaluation.ood-tpr", 0.0, false, 1.0, false));
        return ev;
    }

    /** {@code snapshot.*}: SSE, FGE and NoCycle, and how the one run is distributed. */
    private static SnapshotSection snapshot(ConfigReader r) {
        SnapshotSection snap = new SnapshotSection(
                r.intIn("snapshot.cycles", 1, MAX_CYCLES),
                r.intAtLeast("snapshot.fge.pretrain-epochs", 0),
                r.doubleIn("snapshot.fge.pretrain-final-ratio", 0.0, false, 1.0, true),
                r.doubleIn("snapshot.fge.cycle-epochs", 0.0, false, 1000.0, true),
                r.doubleIn("snapshot.fge.rate-high", 0.0, false, 10.0, true),
                r.doubleIn("snapshot.fge.rate-low", 0.0, false, 10.0, true),
                r.doubleIn("snapshot.nocycle.drop-factor", 0.0, false, 1.0, true),
                r.oneOf("snapshot.mode", SNAPSHOT_MODES),
                r.intAtLeast("snapshot.data-parallel-min-examples", 1),
                r.intAtLeast("snapshot.averaging-frequency", 1),
                r.intAtLeast("snapshot.workers", 0));
        return snap;
    }

    /** {@code packed.*}. */
    private static PackedSection packed(ConfigReader r) {
        PackedSection packed = new PackedSection(
                r.doubleIn("packed.alpha", 0.0, false, 64.0, true),
                r.intIn("packed.gamma", 1, MAX_GAMMA),
                r.intIn("packed.heads", 0, MAX_MEMBERS));
        return packed;
    }

    /** {@code debug.*}: fault injection and the file barrier of the fault tests. */
    private static DebugSection debug(ConfigReader r) {
        List<Integer> hold = r.get("debug.hold-members", () -> r.c().getIntList("debug.hold-members"),
                "a list of member indices");
        if (hold.stream().anyMatch(i -> i < 0)) r.fail("debug.hold-members", r.raw("debug.hold-members"),
                "a list of member indices >= 0");
        String dir = r.string("debug.hold-dir").trim();
        if (!hold.isEmpty() && dir.isEmpty()) {
            r.fail("debug.hold-dir", "\"\"", "the folder of the barrier's files when debug.hold-members is set");
        }
        return new DebugSection(r.intAtLeast("debug.fail-member", -1), r.intAtLeast("debug.fail-after-epoch", 1),
                r.intAtLeast("debug.shuffle-labels-member", -1), hold, r.intAtLeast("debug.hold-after-epoch", 1), dir);
    }

    /** {@code retrain.*}. */
    private static RetrainSection retrain(ConfigReader r) {
        RetrainSection retrain = new RetrainSection(
                r.oneOf("retrain.init", RETRAIN_INITS),
                r.oneOf("retrain.metric", RETRAIN_METRICS),
                r.doubleIn("retrain.tolerance", 0.0, true, 1e6, true),
                r.intAtLeast("retrain.keep-versions", 1));
        return retrain;
    }

    /** {@code data.<set>}: a source block, or not configured ({@code format = ""}). */
    private static SourceSpec source(ConfigReader r, Config c, String set) {
        String k = "data." + set + ".";
        String format = r.string(k + "format").trim();
        Map<String, String> options = new java.util.TreeMap<>();
        if (c.hasPath(k + "options")) {
            for (Map.Entry<String, ConfigValue> o : c.getConfig(k + "options").entrySet()) {
                Object v = o.getValue().unwrapped();
                options.put(com.typesafe.config.ConfigUtil.splitPath(o.getKey()).stream()
                        .collect(java.util.stream.Collectors.joining(".")), String.valueOf(v));
            }
        }
        SourceSpec spec = new SourceSpec(set, format, r.string(k + "path").trim(), options,
                r.string(k + "label-column").trim(), r.string(k + "image-column").trim(),
                r.string(k + "features-column").trim(), List.copyOf(r.stringList(k + "feature-columns")),
                r.string(k + "id-column").trim());
        if (!spec.configured()) return spec;
        if (spec.path().isEmpty()) r.fail(k + "path", "\"\"", "the URI of the " + set + " table (any Hadoop URI, globs allowed)");
        int inputs = (spec.imageColumn().isEmpty() ? 0 : 1) + (spec.featuresColumn().isEmpty() ? 0 : 1)
                + (spec.featureColumns().isEmpty() ? 0 : 1);
        if (inputs > 1) {
            r.fail(k + "image-column", "\"" + spec.imageColumn() + "\"", "only one of image-column, features-column and "
                    + "feature-columns");
        }
        if (inputs == 0 && !SourceSpec.IMPLIED_INPUT.contains(format)) {
            r.fail(k + "image-column", "\"\"", "an image-column, a features-column or feature-columns for format '"
                    + format + "'");
        }
        if (SourceSpec.IDX.equals(format) && !options.containsKey("labels")) {
            r.fail(k + "options.labels", "(missing)", "the URI of the IDX label file for format idx");
        }
        return spec;
    }

    /** {@code data.image.resize}: [] (no resizing) or [height, width]. */
    private static List<Integer> resize(ConfigReader r) {
        List<Integer> v = r.get("data.image.resize", () -> r.c().getIntList("data.image.resize"), "[] or [height, width]");
        if (!v.isEmpty() && (v.size() != 2 || v.get(0) < 1 || v.get(1) < 1 || v.get(0) > 4096 || v.get(1) > 4096)) {
            r.fail("data.image.resize", r.raw("data.image.resize"), "[] or [height, width] of whole numbers 1..4096");
        }
        return List.copyOf(v);
    }

    /** Cross-key rules of the methods, checked before any data is read (for library callers as for the CLI). */
    private static void checkMethod(ConfigReader r, Method method, ModelSection model, TrainingSection t, SnapshotSection s) {
        switch (method) {
            case MC_DROPOUT -> {
                if (model.dropout() <= 0) {
                    r.fail("model.dropout", String.valueOf(model.dropout()), "a rate > 0 for mc-dropout, e.g. --set model.dropout=0.2");
                }
            }
            case SSE, NOCYCLE -> {
                if (s.cycles() < 2) r.fail("snapshot.cycles", String.valueOf(s.cycles()), "2 or more for " + method);
            }
            case FGE -> {
                if (s.fgeRateHigh() <= s.fgeRateLow()) {
                    r.fail("snapshot.fge.rate-high", String.valueOf(s.fgeRateHigh()),
                            "a rate above snapshot.fge.rate-low = " + s.fgeRateLow() + " (a1 > a2)");
                }
                int pre = s.fgePretrainEpochs(t);
                if (pre < 1 || pre + s.fgeCycleEpochs() / 2 > t.epochs()) {
                    r.fail("snapshot.fge.pretrain-epochs", String.valueOf(pre), "at least 1 and leaving room for half a "
                            + "cycle (" + s.fgeCycleEpochs() / 2 + " epochs) within training.epochs = " + t.epochs());
                }
            }
            default -> { }
        }
    }

    /** M must divide K, and every width of every architecture must split into gamma * M equal groups. */
    private static void checkPacking(ConfigReader r, EnsembleSection e, ModelSection m, PackedSection p) {
        int heads = p.heads(e);
        if (e.members() % heads != 0) {
            r.fail("packed.heads", String.valueOf(heads), "a divisor of ensemble.members = " + e.members()
                    + " (each packed network holds M of the K members)");
        }
        Packing packing = p.packing(e);
        for (Architecture a : m.architectures()) {
            for (var w : m.widthsOf(a).entrySet()) {
                try {
                    packing.pathWidth(w.getValue(), w.getKey());
                } catch (IllegalArgumentException ex) {
                    throw new ConfigValidationException("invalid packing " + packing + " for the " + a.id() + ": "
                            + ex.getMessage() + "; change packed.alpha, packed.gamma, the number of members or "
                            + w.getKey());
                }
            }
        }
    }
}

package io.ensembles.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ensembles.testing.FashionMnist;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.DataLoader;
import io.ensembles.data.TrainingData;
import io.ensembles.config.Architecture;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.store.MemberCheckpoints;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemberTrainerTest {
    @TempDir
    Path dir;

    @Test
    void aCnnMemberBeatsChanceByAWideMarginOnAFashionMnistSlice() throws Exception {
        EnsembleConfig c = FashionMnist.config("""
                data { limit = 4000, validation-fraction = 0.25 }
                training { epochs = 2, batch-size = 64, learning-rate = 0.05 }
                """);
        TrainingData data = DataLoader.training(c.data());
        MemberSpec spec = new MemberSpec(0, "m000", Architecture.CNN, 11, false);
        List<Integer> epochsSeen = new ArrayList<>();
        MemberCheckpoints store = new MemberCheckpoints(new EnsembleLayout(dir.toUri().toString()), spec.id());
        MemberOutcome o = new MemberTrainer(c).train(spec, data, store, new TrainingListener() {
            @Override
            public void onEpochEnd(MemberSpec m, EpochMetrics e, int epochs) {
                epochsSeen.add(e.epoch());
            }
        });
        assertTrue(o.completed());
        assertEquals(List.of(1, 2), epochsSeen);
        assertEquals(2, o.epochsRun());
        assertEquals(0, o.resumedFromEpoch());
        // chance is 0.10 on ten balanced classes
        assertTrue(o.last().validationAccuracy() > 0.70, "validation accuracy " + o.last().validationAccuracy());
        assertTrue(o.history().get(1).trainLoss() < o.history().get(0).trainLoss(), "loss falls");
        // the cosine schedule ends the run at rate 0
        assertEquals(0.0, o.last().learningRate(), 1e-12);
        assertNotNull(store.load(), "checkpoint of the last epoch is there until the member is stored");
    }

    @Test
    void resumesFromTheLastCheckpointWithTheSameResult() throws Exception {
        EnsembleConfig c = FashionMnist.config("""
                data { limit = 1200, validation-fraction = 0.25 }
                model { architectures = [mlp], mlp.hidden = [64] }
                training { epochs = 3, batch-size = 50, learning-rate = 0.05 }
                """);
        TrainingData data = DataLoader.training(c.data());
        MemberSpec spec = new MemberSpec(1, "m001", Architecture.MLP, 5, false);
        MemberTrainer trainer = new MemberTrainer(c);

        MemberCheckpoints straight = new MemberCheckpoints(new EnsembleLayout(dir.resolve("a").toUri().toString()), spec.id());
        MemberOutcome full = trainer.train(spec, data, straight, TrainingListener.NONE);

        MemberCheckpoints interrupted = new MemberCheckpoints(new EnsembleLayout(dir.resolve("b").toUri().toString()), spec.id());
        try {
            trainer.train(spec, data, interrupted, new TrainingListener() {
                @Override
                public void onEpochEnd(MemberSpec m, EpochMetrics e, int epochs) {
                    if (e.epoch() == 1) throw new IllegalStateException("killed");
                }
            });
        } catch (IllegalStateException expected) {
            // the task died after the checkpoint of epoch 1
        }
        MemberOutcome resumed = trainer.train(spec, data, interrupted, TrainingListener.NONE);
        assertEquals(1, resumed.resumedFromEpoch());
        assertEquals(2, resumed.epochsRun());
        assertEquals(3, resumed.history().size());
        // same data order, same schedule position, same updater state: the same network
        assertEquals(full.net().params(), resumed.net().params());
    }

    @Test
    void divergenceFailsTheMemberAndKeepsNoModel() throws Exception {
        EnsembleConfig c = FashionMnist.config("""
                data { limit = 600 }
                model { architectures = [mlp], mlp.hidden = [64] }
                training { epochs = 2, learning-rate = 10.0, momentum = 0.9, schedule = constant, divergence-loss = 5.0 }
                """);
        TrainingData data = DataLoader.training(c.data());
        MemberSpec spec = new MemberSpec(0, "m000", Architecture.MLP, 3, false);
        MemberCheckpoints store = new MemberCheckpoints(new EnsembleLayout(dir.toUri().toString()), spec.id());
        MemberOutcome o = new MemberTrainer(c).train(spec, data, store, TrainingListener.NONE);
        assertFalse(o.completed());
        assertNull(o.net());
        assertTrue(o.failureReason().contains("training diverged") && o.failureReason().contains("divergence-loss"),
                o.failureReason());
        assertNull(store.load(), "no checkpoint of a diverged member is kept");
    }

    @Test
    void baggingTrainsOnAResample() {
        EnsembleConfig c = FashionMnist.config("data.limit = 500");
        TrainingData data = DataLoader.training(c.data());
        var plain = MemberTrainer.trainingSetOf(new MemberSpec(0, "m000", Architecture.MLP, 1, false), data);
        var bagged = MemberTrainer.trainingSetOf(new MemberSpec(0, "m000", Architecture.MLP, 1, true), data);
        assertEquals(data.train(), plain);
        // the streaming bootstrap: about as many rows (Poisson(1) weights), not the same ones
        assertTrue(Math.abs(plain.size() - bagged.size()) < 4 * Math.sqrt(plain.size()), bagged.size() + " rows");
        assertFalse(java.util.Arrays.equals(plain.labels(), bagged.labels()));
    }
}

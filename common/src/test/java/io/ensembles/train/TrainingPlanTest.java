package io.ensembles.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.ensembles.config.ConfigValidationException;
import io.ensembles.config.EnsembleConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainingPlanTest {
    private static TrainingPlan plan(String hocon, long iterationsPerEpoch) {
        return TrainingPlan.of(EnsembleConfig.from(ConfigFactory.parseString(hocon), Map.of()), iterationsPerEpoch);
    }

    private static List<Long> at(TrainingPlan p) {
        return p.captures().stream().map(TrainingPlan.Capture::iteration).toList();
    }

    @Test
    void sseCapturesAtTheEndOfEveryCycleWhereTheRateIsNearZero() {
        TrainingPlan p = plan("ensemble.method = sse, snapshot.cycles = 3, training { epochs = 6, learning-rate = 0.1 }", 10);
        assertEquals(60, p.iterations());
        assertEquals(List.of(20L, 40L, 60L), at(p));
        assertEquals(List.of(1, 2, 3), p.captures().stream().map(TrainingPlan.Capture::cycle).toList());
        for (TrainingPlan.Capture c : p.captures()) {
            assertTrue(p.rateOfUpdate(c.iteration()) < 0.1 * 0.01, "rate at capture " + p.rateOfUpdate(c.iteration()));
            assertEquals(0.1, p.schedule().rate(c.iteration() % 60), 1e-12, "the next update restarts at a0");
        }
        assertEquals(2.0, p.epochsAt(20), 1e-12);
        assertNull(p.captureAfter(21));
    }

    @Test
    void sseWithTNotDivisibleByM() {
        // T = 7 * 10 = 70, M = 4: cycles of ceil(70/4) = 18 updates, the last one 16
        TrainingPlan p = plan("ensemble.method = sse, snapshot.cycles = 4, training.epochs = 7", 10);
        assertEquals(List.of(18L, 36L, 54L, 70L), at(p));
    }

    @Test
    void noCycleSnapshotsAtTheSameUpdatesAsSseUnderTwoRateDrops() {
        TrainingPlan sse = plan("ensemble.method = sse, snapshot.cycles = 4, training.epochs = 8", 25);
        TrainingPlan nc = plan("ensemble.method = nocycle, snapshot.cycles = 4, training { epochs = 8, learning-rate = 0.1 }", 25);
        assertEquals(at(sse), at(nc));
        assertEquals(0.1, nc.schedule().rate(0), 1e-15);
        assertEquals(0.01, nc.schedule().rate(100), 1e-15);
        assertEquals(0.001, nc.schedule().rate(150), 1e-15);
    }

    @Test
    void fgeCollectsAtTheMiddleOfEveryCycleAndStopsAtTheLastOne() {
        TrainingPlan p = plan("""
                ensemble.method = fge
                training { epochs = 10, learning-rate = 0.05 }
                snapshot.fge { pretrain-epochs = 6, cycle-epochs = 2, rate-high = 0.05, rate-low = 0.0005 }
                """, 10);
        // pre-training 60 updates, cycles of c = 20: members after 70, 90 (the third would be at 110 > 100)
        assertEquals(List.of(70L, 90L), at(p));
        assertEquals(90, p.iterations());
        for (TrainingPlan.Capture c : p.captures()) assertEquals(0.0005, p.rateOfUpdate(c.iteration()), 1e-15);
        assertEquals(0.05, p.schedule().rate(79), 1e-15); // the end of the first cycle is at a1
        assertEquals(0.0005, p.schedule().rate(59), 1e-12); // pre-training ends at 1% of its rate
    }

    @Test
    void fgeCycleIsRoundedToAnEvenNumberOfUpdates() {
        TrainingPlan p = plan("ensemble.method = fge, training.epochs = 4, snapshot.fge { pretrain-epochs = 2, cycle-epochs = 0.5 }", 7);
        // c = round(3.5) = 4: members after 14 + 2, 20, 24 (28 is the end of training)
        assertEquals(List.of(16L, 20L, 24L, 28L), at(p));
        for (TrainingPlan.Capture c : p.captures()) assertEquals(0.0005, p.rateOfUpdate(c.iteration()), 1e-15);
    }

    @Test
    void fgeWithoutRoomForACycleIsRejected() {
        ConfigValidationException e = assertThrows(ConfigValidationException.class, () -> plan(
                "ensemble.method = fge, training.epochs = 3, snapshot.fge { pretrain-epochs = 3, cycle-epochs = 0.1 }", 5));
        assertTrue(e.getMessage().contains("training.epochs"), e.getMessage());
    }

    @Test
    void independentMethodsHaveNoCapturesAndSingleCycleIsOneCosine() {
        TrainingPlan deep = plan("training { epochs = 3, schedule = constant, learning-rate = 0.1 }", 10);
        assertTrue(deep.captures().isEmpty());
        assertEquals(0.1, deep.schedule().rate(29), 1e-15);
        TrainingPlan single = plan("ensemble.method = single-cycle, training { epochs = 3, schedule = constant }", 10);
        assertEquals(0.0, single.schedule().rate(30), 1e-15);
        assertEquals(30, single.iterations());
    }

    @Test
    void warmupEpochsPutALinearRampInFrontOfEveryMethodsSchedule() {
        TrainingPlan plain = plan("ensemble.method = sse, training.epochs = 4, snapshot.cycles = 2", 10);
        TrainingPlan warm = plan("ensemble.method = sse, training { epochs = 4, warmup-epochs = 0.5 }, "
                + "snapshot.cycles = 2", 10);
        assertEquals(plain.captures(), warm.captures(), "warm-up moves no capture");
        assertEquals(plain.schedule().rate(0) / 5, warm.schedule().rate(0), 1e-15);
        assertEquals(plain.schedule().rate(4), warm.schedule().rate(4), 1e-15);
        assertEquals(plain.schedule().rate(25), warm.schedule().rate(25), 0.0);
        assertEquals(5, warm.schedule().getWarmup());
    }
}

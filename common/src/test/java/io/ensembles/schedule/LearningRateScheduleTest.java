package io.ensembles.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.databind.ObjectMapper;

class LearningRateScheduleTest {
    @Test
    void constant() {
        LearningRateSchedule s = LearningRateSchedule.constant(0.1);
        assertEquals(0.1, s.rate(0));
        assertEquals(0.1, s.rate(1_000_000));
    }

    @Test
    void stepDecaysEveryNEpochs() {
        LearningRateSchedule s = LearningRateSchedule.step(0.1, 0.5, 2, 10);
        assertEquals(0.1, s.rate(0), 1e-15);
        assertEquals(0.1, s.rate(19), 1e-15); // epoch 1
        assertEquals(0.05, s.rate(20), 1e-15); // epoch 2
        assertEquals(0.025, s.rate(45), 1e-15); // epoch 4
    }

    @Test
    void cosineStartMiddleEnd() {
        LearningRateSchedule s = LearningRateSchedule.cosine(0.2, 100);
        assertEquals(0.2, s.rate(0), 1e-15);
        assertEquals(0.1, s.rate(50), 1e-12);
        assertEquals(0.2 / 2 * (Math.cos(Math.PI * 0.25) + 1), s.rate(25), 1e-12);
        assertEquals(0.0, s.rate(100), 1e-15);
        assertEquals(0.0, s.rate(150), 1e-15);
    }

    /** The seed's formula, written out with the paper's 1-based t, to check the implementation against. */
    private static double sse(double a0, long t, long bigT, int m) {
        long len = (long) Math.ceil(bigT / (double) m);
        return a0 / 2 * (Math.cos(Math.PI * ((t - 1) % len) / len) + 1);
    }

    @Test
    void snapshotCosineAtCycleStartMiddleEndAndBoundaries() {
        // T = 120, M = 4: cycles of 30 iterations
        LearningRateSchedule s = LearningRateSchedule.snapshotCosine(0.2, 120, 4);
        assertEquals(0.2, s.rate(0), 1e-15); // t = 1: start of cycle 1
        assertEquals(0.1, s.rate(15), 1e-12); // middle of cycle 1: a0 / 2
        assertEquals(0.1 * (Math.cos(Math.PI * 29 / 30) + 1), s.rate(29), 1e-15); // last update of cycle 1
        assertTrue(s.rate(29) < 0.001, "the rate is near zero where the snapshot is taken");
        assertEquals(0.2, s.rate(30), 1e-15); // t = 31: restart
        assertEquals(s.rate(5), s.rate(95), 1e-15); // every cycle is the same curve
        assertEquals(s.rate(29), s.rate(119), 1e-15); // the last update of the run ends cycle 4
        for (long i = 0; i < 120; i++) assertEquals(sse(0.2, i + 1, 120, 4), s.rate(i), 1e-15, "t=" + (i + 1));
    }

    @Test
    void snapshotCosineWhenTIsNotDivisibleByM() {
        // T = 10, M = 4: ceil(T/M) = 3, so cycles restart at t = 4, 7, 10; the 4th cycle is one update long
        LearningRateSchedule s = LearningRateSchedule.snapshotCosine(0.1, 10, 4);
        for (long i = 0; i < 10; i++) assertEquals(sse(0.1, i + 1, 10, 4), s.rate(i), 1e-15, "t=" + (i + 1));
        assertEquals(0.1, s.rate(3), 1e-15);
        assertEquals(0.1, s.rate(9), 1e-15);
        assertEquals(0.05 * (Math.cos(Math.PI * 2 / 3) + 1), s.rate(8), 1e-15);
        // T = 7, M = 3: cycles of 3, 3 and 1
        LearningRateSchedule s7 = LearningRateSchedule.snapshotCosine(0.1, 7, 3);
        for (long i = 0; i < 7; i++) assertEquals(sse(0.1, i + 1, 7, 3), s7.rate(i), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.snapshotCosine(0.1, 7, 0));
    }

    @Test
    void twoDropsAtHalfAndThreeQuarters() {
        LearningRateSchedule s = LearningRateSchedule.twoDrops(0.1, 0.1, 100);
        assertEquals(0.1, s.rate(0), 1e-15);
        assertEquals(0.1, s.rate(49), 1e-15);
        assertEquals(0.01, s.rate(50), 1e-15);
        assertEquals(0.01, s.rate(74), 1e-15);
        assertEquals(0.001, s.rate(75), 1e-15);
        assertEquals(0.001, s.rate(99), 1e-15);
    }

    @Test
    void fgePretrainIsConstantThenLinearThenFlat() {
        LearningRateSchedule s = LearningRateSchedule.fgePretrain(0.05, 0.01, 100);
        assertEquals(0.05, s.rate(0), 1e-15);
        assertEquals(0.05, s.rate(50), 1e-15);
        assertEquals(0.05 * (1 - 0.99 * 0.5), s.rate(70), 1e-12); // halfway through the decay
        assertEquals(0.0005, s.rate(90), 1e-12);
        assertEquals(0.0005, s.rate(99), 1e-12);
    }

    @Test
    void fgeTriangularCycleCorners() {
        double a1 = 0.05;
        double a2 = 0.0005;
        LearningRateSchedule pre = LearningRateSchedule.constant(0.1);
        LearningRateSchedule s = LearningRateSchedule.fge(pre, 10, a1, a2, 4);
        assertEquals(0.1, s.rate(9), 1e-15); // still pre-training
        // i = 1..4 after pre-training: t = 1/4, 1/2, 3/4, 1
        assertEquals(0.5 * a1 + 0.5 * a2, s.rate(10), 1e-15);
        assertEquals(a2, s.rate(11), 1e-15); // the middle: lowest rate, where a member is collected
        assertEquals(0.5 * a2 + 0.5 * a1, s.rate(12), 1e-15);
        assertEquals(a1, s.rate(13), 1e-15); // cycle end: back to a1
        assertEquals(s.rate(10), s.rate(14), 1e-15); // next cycle
        assertEquals(a2, s.rate(15), 1e-15);
        // the seed's formula, both branches, over several cycles of c = 6
        LearningRateSchedule s6 = LearningRateSchedule.fge(pre, 0, a1, a2, 6);
        for (int i = 1; i <= 18; i++) {
            double t = ((i - 1) % 6 + 1) / 6.0;
            double want = t <= 0.5 ? (1 - 2 * t) * a1 + 2 * t * a2 : (2 - 2 * t) * a2 + (2 * t - 1) * a1;
            assertEquals(want, s6.rate(i - 1), 1e-15, "i=" + i);
        }
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.fge(pre, 0, a1, a2, 5));
    }

    @Test
    void dl4jAdapterSurvivesTheModelJsonForEveryKind() throws Exception {
        // DL4J stores the schedule inside the model configuration (its shaded Jackson, class names kept)
        ObjectMapper om = new ObjectMapper();
        om.enableDefaultTyping(ObjectMapper.DefaultTyping.NON_FINAL);
        List<LearningRateSchedule> all = List.of(LearningRateSchedule.constant(0.1),
                LearningRateSchedule.step(0.1, 0.5, 2, 10), LearningRateSchedule.cosine(0.05, 30),
                LearningRateSchedule.snapshotCosine(0.2, 30, 3), LearningRateSchedule.twoDrops(0.1, 0.1, 30),
                LearningRateSchedule.fge(LearningRateSchedule.fgePretrain(0.05, 0.01, 10), 10, 0.05, 0.001, 4),
                LearningRateSchedule.warmup(LearningRateSchedule.snapshotCosine(0.2, 30, 3), 12));
        for (LearningRateSchedule ls : all) {
            Dl4jSchedule s = Dl4jSchedule.of(ls);
            ISchedule back = om.readValue(om.writeValueAsString(s), ISchedule.class);
            for (int it : new int[] {0, 7, 11, 15, 29, 30}) {
                assertEquals(ls.rate(it), back.valueAt(it, 0), 0.0, s + " at " + it);
                assertEquals(ls.rate(it), s.clone().valueAt(it, 1), 0.0);
            }
        }
    }

    @Test
    void warmupRampsLinearlyToTheScheduleThenFollowsIt() {
        LearningRateSchedule sse = LearningRateSchedule.snapshotCosine(0.2, 40, 2);
        LearningRateSchedule w = LearningRateSchedule.warmup(sse, 4);
        assertEquals(sse.rate(0) / 4, w.rate(0), 1e-15);
        assertEquals(sse.rate(1) * 2 / 4, w.rate(1), 1e-15);
        assertEquals(sse.rate(3), w.rate(3), 1e-15); // the last warm-up update is at the full rate
        for (int i = 4; i < 40; i++) assertEquals(sse.rate(i), w.rate(i), 0.0);
        assertEquals(sse, LearningRateSchedule.warmup(sse, 0), "no warm-up: the schedule itself");
        // models saved before the field existed have no "warmup" in their JSON
        Dl4jSchedule old = new Dl4jSchedule("sse", new double[] {0.2, 40, 2}, null);
        assertEquals(sse.rate(0), old.rate(0), 0.0);
    }
}

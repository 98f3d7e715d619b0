package io.ensembles.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

    @Test
    void dl4jAdapterSurvivesTheModelJson() throws Exception {
        // DL4J stores the schedule inside the model configuration (its shaded Jackson, class names kept)
        Dl4jSchedule s = Dl4jSchedule.of("cosine", 0.05, 0.1, 5, 10, 30);
        ObjectMapper om = new ObjectMapper();
        om.enableDefaultTyping(ObjectMapper.DefaultTyping.NON_FINAL);
        String json = om.writeValueAsString(s);
        ISchedule back = om.readValue(json, ISchedule.class);
        for (int it : new int[] {0, 7, 15, 29, 30}) assertEquals(s.valueAt(it, 0), back.valueAt(it, 0), 0.0);
        assertEquals(s.valueAt(15, 1), s.clone().valueAt(15, 1));
    }
}

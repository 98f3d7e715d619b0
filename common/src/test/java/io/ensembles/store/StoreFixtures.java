package io.ensembles.store;

import com.typesafe.config.ConfigFactory;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.config.Architecture;
import io.ensembles.model.ModelFactory;
import io.ensembles.train.EpochMetrics;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.schedule.FixedSchedule;

/** A small network and a completed member record, for the store's tests. */
final class StoreFixtures {
    private StoreFixtures() {}

    /** An MLP with one hidden layer of 16, initialised from {@code seed}. */
    static ComputationGraph net(long seed) {
        EnsembleConfig c = EnsembleConfig.from(ConfigFactory.parseString("model.mlp.hidden = [16]"), Map.of());
        return ModelFactory.build(Architecture.MLP, c.model(), io.ensembles.data.InputShape.image(1, 28, 28), 10, seed,
                new ModelFactory.Optimizer(new FixedSchedule(0.1), 0.9, 0));
    }

    /** The record of a completed one-epoch deep member, not yet stored. */
    static MemberRecord record(String id) {
        return MemberRecord.builder().member(id, 0, "deep", "mlp", 1, false).status(MemberRecord.COMPLETED, null)
                .epochs(1, 1, 0).attempts(1).trainingSeconds(1.0).validation(0.5, 1.2)
                .history(List.of(new EpochMetrics(1, 1.0, 0.5, 1.2, 0.1, 1.0))).executor("test").epochsSpent(1.0)
                .device("cpu").build();
    }
}

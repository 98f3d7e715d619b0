package io.ensembles.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import io.ensembles.testing.FashionMnist;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.Manifest;
import io.ensembles.store.MemberRecord;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A member task that dies mid-training is retried by Spark and resumes from its last epoch checkpoint. */
class MemberRetryTest {
    @TempDir
    Path dir;

    @Test
    void aFailedTaskResumesFromItsCheckpoint() throws Exception {
        EnsembleConfig config = FashionMnist.config("""
                ensemble { name = "retry", members = 2, seed = 3 }
                data { limit = 1500, validation-fraction = 0.2 }
                model { architectures = [mlp], mlp.hidden = [64] }
                training { epochs = 3, batch-size = 100 }
                debug { fail-member = 1, fail-after-epoch = 1 }
                """);
        String out = dir.resolve("ens").toUri().toString();
        Manifest m = TrainJob.run(TestSpark.get(), config, out);
        MemberRecord healthy = m.members().get(0);
        MemberRecord retried = m.members().get(1);
        assertTrue(healthy.completed() && retried.completed());
        assertEquals(1, healthy.attempts());
        assertEquals(3, healthy.epochsRun());
        assertEquals(0, healthy.resumedFromEpoch());
        // the second attempt took over the checkpoint of epoch 1 and ran only epochs 2 and 3
        assertEquals(2, retried.attempts());
        assertEquals(1, retried.resumedFromEpoch());
        assertEquals(2, retried.epochsRun());
        assertEquals(3, retried.history().size());
        assertEquals(3, retried.history().get(2).epoch());
        EnsembleLayout layout = new EnsembleLayout(Fs.qualify(out));
        assertEquals(Fs.sha256Hex(layout.resolve(retried.path())), retried.sha256());
        assertFalse(Fs.exists(layout.checkpointIndex(retried.id())), "checkpoint removed after the final model");
    }
}

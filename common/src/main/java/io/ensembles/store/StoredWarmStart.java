package io.ensembles.store;

import io.ensembles.train.MemberSpec;
import io.ensembles.train.WarmStart;
import java.io.IOException;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Warm start from a stored ensemble: member {@code m003} starts from that ensemble's {@code m003},
 * packed network {@code pe001} from its {@code pe001}, each file verified against its SHA-256. A
 * member the stored ensemble does not have (K grew) starts afresh.
 */
public record StoredWarmStart(String ensembleUri) implements WarmStart {
    @Override
    public ComputationGraph source(MemberSpec member) throws IOException {
        EnsembleLayout layout = new EnsembleLayout(ensembleUri);
        for (MemberRecord r : Manifest.read(layout).completedMembers()) {
            boolean same = member.packing() == null ? r.packed() == null && r.id().equals(member.id())
                    : r.packed() != null && r.packed().network().equals(member.id());
            if (same) return VerifiedModels.loadVerified(layout, r);
        }
        return null;
    }

    @Override
    public String describe() {
        return ensembleUri;
    }
}

package io.ensembles.train;

import io.ensembles.config.Architecture;
import io.ensembles.config.Packing;
import java.io.Serializable;

/**
 * Who a member is: its index and id in the ensemble, architecture, seed and whether it is bagged.
 * For a Packed-Ensemble the unit of training is one packed network: {@code packing} is set, and the
 * network holds the members {@code index * M .. index * M + M - 1}.
 */
public record MemberSpec(int index, String id, Architecture architecture, long seed, boolean bagging, Packing packing)
        implements Serializable {
    public MemberSpec(int index, String id, Architecture architecture, long seed, boolean bagging) {
        this(index, id, architecture, seed, bagging, null);
    }

    public static String idOf(int index) {
        return String.format("m%03d", index);
    }

    /** For the logs: "member m000 (cnn, seed 42)" or "network pe000 (resnet PE(alpha=2.0, gamma=2, M=4), seed 42)". */
    public String describe() {
        return (packing == null ? "member " : "network ") + id + " (" + architecture.id()
                + (packing == null ? "" : " " + packing) + ", seed " + seed + ")";
    }

    /** The id of packed network {@code index}: its folder in the store. */
    public static String packedIdOf(int index) {
        return String.format("pe%03d", index);
    }
}

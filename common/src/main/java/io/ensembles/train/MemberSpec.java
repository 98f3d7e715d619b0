package io.ensembles.train;

import io.ensembles.model.Architecture;
import java.io.Serializable;

/** Who a member is: its index and id in the ensemble, architecture, seed and whether it is bagged. */
public record MemberSpec(int index, String id, Architecture architecture, long seed, boolean bagging)
        implements Serializable {
    public static String idOf(int index) {
        return String.format("m%03d", index);
    }
}

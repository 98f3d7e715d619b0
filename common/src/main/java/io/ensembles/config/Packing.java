package io.ensembles.config;

import java.io.Serializable;

/**
 * How a Packed-Ensemble (Laurent et al., ICLR 2023) packs {@code heads} members into one network:
 * every layer C_in -> C_out becomes alpha*C_in -> alpha*C_out with {@code gamma * heads} groups
 * (a block-diagonal weight, channels laid out member-major), except the first layer, which reads
 * the raw input densely, and the last, which maps each member's features to its own head.
 * <p>
 * {@code io.ensembles.model.ModelFactory} builds it in one of two {@link Layout}s that compute the same function.
 * {@code GROUPED}, the default: the architecture at width alpha*C, every inner layer a grouped
 * dense or convolution layer ({@link io.ensembles.model.grouped}) that computes all its groups in
 * one batched product; batch norms, activations and shortcuts run once over all channels; head m
 * reads member m's slice of the last features. {@code PATHS}: because consecutive layers with the
 * same groups never mix channels of different groups, the grouped network is exactly
 * {@link #paths()} = gamma * heads parallel chains of width alpha*C/(gamma*heads), member m owning
 * paths m*gamma .. m*gamma+gamma-1; the first layer, split by output channel, is the dense one;
 * the head of member m reads the concatenation of its gamma paths (vertex names
 * {@code p<path>_...}, heads {@code out<m>}). The paths run one after another; networks trained
 * before the grouped layers existed have this layout, and the tests check one against the other.
 */
public record Packing(double alpha, int gamma, int heads) implements Serializable {
    /** The output vertex of a plain network, and the prefix of a packed network's head outputs. */
    public static final String OUTPUT = "out";

    /** How a packed network is laid out (see above). */
    public enum Layout { GROUPED, PATHS }

    public Packing {
        if (!(alpha > 0) || Double.isInfinite(alpha)) throw new IllegalArgumentException("alpha must be > 0: " + alpha);
        if (gamma < 1) throw new IllegalArgumentException("gamma must be >= 1: " + gamma);
        if (heads < 1) throw new IllegalArgumentException("heads must be >= 1: " + heads);
    }

    /** Groups of every inner layer, gamma * M. */
    public int paths() {
        return gamma * heads;
    }

    /**
     * The width of one path for a layer that has {@code width} units in the plain architecture:
     * alpha * width / (gamma * M), which must be a whole number; {@code what} names the setting in the error.
     */
    public int pathWidth(int width, String what) {
        double wide = alpha * width;
        long rounded = Math.round(wide);
        if (Math.abs(wide - rounded) > 1e-9 * Math.max(1, wide)) {
            throw new IllegalArgumentException("alpha * " + what + " = " + alpha + " * " + width + " = " + wide
                    + " is not a whole number of units");
        }
        if (rounded % paths() != 0) {
            throw new IllegalArgumentException("alpha * " + what + " = " + rounded + " is not divisible by gamma * M = "
                    + gamma + " * " + heads + " = " + paths() + " (every group needs the same whole number of units)");
        }
        return (int) (rounded / paths());
    }

    /** The member (0-based) owning path {@code p}. */
    public int memberOfPath(int p) {
        return p / gamma;
    }

    /** The vertex name prefix of path {@code p}. */
    public static String pathPrefix(int p) {
        return "p" + p + "_";
    }

    /** The output vertex of head {@code m}. */
    public static String headName(int m) {
        return OUTPUT + m;
    }

    /** The member whose parameters a layer of the packed network holds, or -1 for a vertex without a member. */
    public int memberOfVertex(String name) {
        if (name.startsWith(OUTPUT) && name.length() > OUTPUT.length()) {
            return Integer.parseInt(name.substring(OUTPUT.length()));
        }
        if (name.startsWith("p")) {
            int end = name.indexOf('_');
            if (end > 1) return memberOfPath(Integer.parseInt(name.substring(1, end)));
        }
        if (name.startsWith("m") && name.endsWith("_merge")) {
            return Integer.parseInt(name.substring(1, name.length() - "_merge".length()));
        }
        return -1;
    }

    @Override
    public String toString() {
        return "PE(alpha=" + alpha + ", gamma=" + gamma + ", M=" + heads + ")";
    }
}

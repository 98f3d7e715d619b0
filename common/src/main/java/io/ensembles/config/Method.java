package io.ensembles.config;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * How an ensemble's members are made ({@code ensemble.method}), and which command trains them:
 * {@code train} trains independent members, one Spark task each (or one per packed network);
 * {@code snapshot} trains one run that yields several members. The id is what configurations,
 * manifests and member records hold.
 */
public enum Method {
    DEEP("deep", false),
    SINGLE_CYCLE("single-cycle", false),
    MC_DROPOUT("mc-dropout", false),
    PACKED("packed", false),
    SSE("sse", true),
    FGE("fge", true),
    NOCYCLE("nocycle", true);

    private final String id;
    private final boolean oneRun;

    Method(String id, boolean oneRun) {
        this.id = id;
        this.oneRun = oneRun;
    }

    public String id() { return id; }

    /** Whether one run yields all the members (the {@code snapshot} command), rather than one run per member. */
    public boolean oneRun() { return oneRun; }

    /** The command that trains this method. */
    public String command() { return oneRun ? "snapshot" : "train"; }

    /** Whether a stored id (a manifest's or a member record's {@code method}) names this method. */
    public boolean is(String storedId) { return id.equals(storedId); }

    /** The method of an id, or null for an unknown one. */
    public static Method byId(String id) {
        for (Method m : values()) if (m.id.equals(id)) return m;
        return null;
    }

    /** The method of an id; an unknown one is an IllegalArgumentException naming the known ids. */
    public static Method of(String id) {
        Method m = byId(id);
        if (m == null) throw new IllegalArgumentException("unknown method \"" + id + "\" (expected one of " + ids() + ")");
        return m;
    }

    /** Every id, sorted. */
    public static Set<String> ids() {
        return Arrays.stream(values()).map(Method::id).collect(Collectors.toCollection(TreeSet::new));
    }

    /** The ids of the methods one command trains, sorted. */
    public static Set<String> idsOf(String command) {
        return Arrays.stream(values()).filter(m -> m.command().equals(command)).map(Method::id)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Override
    public String toString() { return id; }
}

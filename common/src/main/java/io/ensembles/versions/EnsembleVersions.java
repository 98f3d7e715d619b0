package io.ensembles.versions;

import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.IntegrityException;
import io.ensembles.store.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A versioned ensemble folder, as scheduled retraining keeps it:
 * <pre>
 *   current.json                 the pointer: which version is in use (replaced in one rename)
 *   versions/v0001/              an ordinary ensemble folder (manifest.json, members/, metrics.json)
 *   versions/v0001/retrain.json  what the run that made it decided ({@link RetrainRecord})
 *   versions/v0002/baseline/     the then-current version's evaluation on v0002's test data
 * </pre>
 * Readers that want "the ensemble" follow the pointer ({@link #resolve}); a version's members never
 * change after its run (an evaluation only adds its metrics), so a reader holding a version keeps a
 * consistent ensemble while the pointer moves.
 */
public final class EnsembleVersions {
    public static final String POINTER = "current.json";
    public static final String RECORD = "retrain.json";
    private static final Pattern NAME = Pattern.compile("v(\\d{4,9})");

    /** {@code current.json}: the version in use, since when, and the figure it was promoted with. */
    public record Pointer(String version, String promotedAt, String metric, Double value, String previous) {}

    private final String root;

    public EnsembleVersions(String root) {
        while (root.endsWith("/") && root.length() > 1) root = root.substring(0, root.length() - 1);
        this.root = root;
    }

    public String root() { return root; }
    public String pointer() { return root + "/" + POINTER; }
    public String versionsDir() { return root + "/versions"; }

    public String version(String name) {
        number(name);
        return versionsDir() + "/" + name;
    }

    public String record(String name) { return version(name) + "/" + RECORD; }

    /** Where the current version's evaluation on version {@code name}'s test data goes. */
    public String baseline(String name) { return version(name) + "/baseline"; }

    public static String name(int number) {
        return String.format("v%04d", number);
    }

    public static int number(String name) {
        Matcher m = NAME.matcher(name == null ? "" : name);
        if (!m.matches()) throw new IntegrityException("'" + name + "' is not a version name (expected v0001, v0002, ...)");
        return Integer.parseInt(m.group(1));
    }

    /** The version folders present, oldest first. */
    public List<String> list() throws IOException {
        List<String> names = new ArrayList<>();
        for (String f : Fs.list(versionsDir())) {
            String n = f.substring(f.lastIndexOf('/') + 1);
            if (NAME.matcher(n).matches()) names.add(n);
        }
        names.sort(Comparator.comparingInt(EnsembleVersions::number));
        return names;
    }

    /** The name the next new version gets. */
    public String next() throws IOException {
        List<String> all = list();
        return name(all.isEmpty() ? 1 : number(all.get(all.size() - 1)) + 1);
    }

    /** The pointer, or null when no version was promoted yet; an unreadable one is an error naming it. */
    public Pointer current() throws IOException {
        if (!Fs.exists(pointer())) return null;
        Pointer p;
        try {
            p = Json.read(Fs.readString(pointer()), Pointer.class);
        } catch (IOException e) {
            throw new IntegrityException(pointer() + ": not a valid version pointer: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
        number(p.version());
        if (!Fs.exists(new EnsembleLayout(version(p.version())).manifest())) {
            throw new IntegrityException(pointer() + " names version " + p.version() + " but "
                    + new EnsembleLayout(version(p.version())).manifest() + " is missing");
        }
        return p;
    }

    /** Points {@code current.json} at a version: one atomic replace, so readers see the old or the new. */
    public void promote(Pointer p) throws IOException {
        number(p.version());
        Fs.writeString(pointer(), Json.write(p), true);
    }

    public RetrainRecord readRecord(String name) throws IOException {
        String uri = record(name);
        if (!Fs.exists(uri)) return null;
        try {
            return Json.read(Fs.readString(uri), RetrainRecord.class);
        } catch (IOException e) {
            throw new IntegrityException(uri + ": not a valid retrain record: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    public void writeRecord(RetrainRecord r) throws IOException {
        Fs.mkdirs(version(r.version()));
        Fs.writeString(record(r.version()), Json.write(r), true);
    }

    /**
     * Deletes all but the {@code keep} newest version folders, never one in {@code protect} (the
     * current version, the one just made). Returns the names deleted.
     */
    public List<String> prune(int keep, Set<String> protect) throws IOException {
        List<String> all = list();
        List<String> deleted = new ArrayList<>();
        for (int i = 0; i < all.size() - keep; i++) {
            String n = all.get(i);
            if (protect.contains(n)) continue;
            Fs.delete(version(n), true);
            deleted.add(n);
        }
        return deleted;
    }

    /**
     * The ensemble folder a URI means: the URI itself when it holds a manifest, else the current
     * version when it is a versioned folder; otherwise the URI unchanged (the caller reports it).
     */
    public static String resolve(String uri) throws IOException {
        if (Fs.exists(new EnsembleLayout(uri).manifest())) return uri;
        EnsembleVersions v = new EnsembleVersions(uri);
        Pointer p = v.current();
        return p == null ? uri : v.version(p.version());
    }
}

package io.ensembles.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.LocalDateTime;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * A network to and from DL4J's model zip, in memory, so the bytes can be hashed and written
 * atomically. Writing gives every zip entry the same fixed timestamp, so that a model file's
 * SHA-256 depends only on the network (the same seed on one executor or ten gives the same file).
 * Reading accepts only the entries this project writes: DL4J's
 * {@code ModelSerializer} would read a {@code preprocessor.bin} entry (and old-format normalizers)
 * with Java deserialization, so a zip holding anything else is refused before DL4J sees it.
 */
public final class ModelIO {
    /** What {@link #toBytes} writes: the configuration (JSON), the parameters and the updater state (ND4J binary). */
    static final Set<String> ENTRIES = Set.of("configuration.json", "coefficients.bin", "updaterState.bin");

    private ModelIO() {}

    /** The timestamp of every entry written: a local date-time, so the bytes do not depend on the time zone either. */
    static final LocalDateTime ENTRY_TIME = LocalDateTime.of(2000, 1, 1, 0, 0);

    public static byte[] toBytes(ComputationGraph net, boolean withUpdater) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
        ModelSerializer.writeModel(net, out, withUpdater);
        return withFixedTimes(out.toByteArray());
    }

    /** The same zip, entry by entry in the same order, each stamped {@link #ENTRY_TIME} (DL4J stamps the time of writing). */
    static byte[] withFixedTimes(byte[] zip) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(zip.length + 256);
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip));
             ZipOutputStream z = new ZipOutputStream(out)) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                ZipEntry fixed = new ZipEntry(e.getName());
                fixed.setTimeLocal(ENTRY_TIME);
                z.putNextEntry(fixed);
                in.transferTo(z);
                z.closeEntry();
            }
        }
        return out.toByteArray();
    }

    public static ComputationGraph fromBytes(byte[] bytes, boolean withUpdater) throws IOException {
        return fromBytes(bytes, withUpdater, "model zip");
    }

    /** Reads a model zip; {@code source} names it in errors (its URI). */
    public static ComputationGraph fromBytes(byte[] bytes, boolean withUpdater, String source) throws IOException {
        checkEntries(bytes, source);
        return ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes), withUpdater);
    }

    static void checkEntries(byte[] bytes, String source) throws IOException {
        boolean configuration = false;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                if (!ENTRIES.contains(e.getName())) {
                    throw new IntegrityException(source + ": unexpected entry '" + e.getName() + "' in the model zip "
                            + "(expected only " + new java.util.TreeSet<>(ENTRIES) + "); refusing to load it, "
                            + "as DL4J would read such entries with Java deserialization");
                }
                configuration |= e.getName().equals("configuration.json");
            }
        }
        if (!configuration) {
            throw new IntegrityException(source + ": not a DL4J model zip (no configuration.json)");
        }
    }
}

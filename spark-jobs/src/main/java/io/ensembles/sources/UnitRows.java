package io.ensembles.sources;

import io.ensembles.config.EnsembleConfig.DataSection.Streaming;
import io.ensembles.data.DataFormatException;
import io.ensembles.data.InputShape;
import io.ensembles.data.TrainingData;
import io.ensembles.fs.Fs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.NoSuchElementException;

/**
 * Where a streamed table's decoded rows come from on an executor: the table's Parquet row group
 * itself, checked and decoded as it is read; the executor's local cache of decoded units
 * ({@code data.local-cache}); and the validation rows the planning pass wrote decoded.
 */
final class UnitRows {
    private UnitRows() {}

    /** Every validation row, unit after unit, read from the files the pass wrote. */
    static StreamedTable.Rows validationSide(StreamedTable t) throws IOException {
        Fs.configure(t.hadoop);
        return new StreamedTable.Rows() {
            int unit = -1;
            StreamedTable.Rows current;

            @Override
            public boolean hasNext() {
                try {
                    while (current == null || !current.hasNext()) {
                        if (current != null) current.close();
                        current = null;
                        if (unit + 1 >= t.units.size()) return false; // asked again after the end: still the end
                        unit++;
                        current = t.format().read(Fs.open(t.validationFile(unit)), t.validationFile(unit));
                    }
                    return true;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public StreamedTable.Decoded next() {
                if (!hasNext()) throw new NoSuchElementException();
                return current.next();
            }

            @Override
            public void close() {
                if (current != null) current.close();
            }
        };
    }


    /**
     * The rows of unit {@code unitIndex}, decoded: from the executor's local cache when it holds
     * them, else from the table (and into the cache, when {@code data.local-cache} is on, or is
     * auto and the disk has room for the unit).
     */
    static StreamedTable.Rows rows(StreamedTable t, StreamedTable.Unit u, int unitIndex) throws IOException {
        if (Streaming.CACHE_OFF.equals(t.localCache)) return decodedRows(t, u);
        Path dir = cacheDir(t.runId);
        Path cached = dir.resolve("unit-" + unitIndex + ".bin");
        if (Files.exists(cached)) return t.format().read(Files.newInputStream(cached), cached.toString());
        var store = Files.getFileStore(dir);
        long bytes = u.rows() * (12L + t.shape.size() * (t.bytes ? 1L : 4L));
        if (Streaming.CACHE_ON.equals(t.localCache)
                || roomFor(bytes, store.getUsableSpace(), store.getTotalSpace())) {
            return t.format().caching(decodedRows(t, u), cached);
        }
        return decodedRows(t, u);
    }

    /**
     * {@code data.local-cache = auto}: whether a unit of {@code bytes} may go to a disk of
     * {@code total} bytes, {@code usable} free: when a tenth of the disk, and at least 1 GiB,
     * stays free after it. A full disk is never filled by the cache; the rest is read from the table.
     */
    static boolean roomFor(long bytes, long usable, long total) {
        return usable - bytes > Math.max(total / 10, 1L << 30);
    }

    /** The unit's rows read from the table itself, checked and decoded as they come. */
    static StreamedTable.Rows decodedRows(StreamedTable t, StreamedTable.Unit u) throws IOException {
        Fs.configure(t.hadoop);
        ParquetRows parquet = new ParquetRows(u.file(), u.rowGroup(), u.rows(), t.columns, Fs.conf());
        RowDecoder.ClassIndex index = new RowDecoder.ClassIndex(t.classNames);
        return new StreamedTable.Rows() {
            long row;

            @Override
            public boolean hasNext() {
                return parquet.hasNext();
            }

            @Override
            public StreamedTable.Decoded next() {
                RowDecoder.Example e = t.decoder.decode(parquet.next());
                row++;
                if (e.error() != null) throw new DataFormatException(t.source, at(e) + e.error());
                InputShape s = t.decoder.shapeOf(e);
                if (!s.equals(t.shape)) {
                    throw new DataFormatException(t.source, at(e) + "column '" + t.decoder.inputColumn() + "' has " + s
                            + " where the table's first row has " + t.shape
                            + (t.decoder.images() ? "; set data.image.resize = [H, W] to read images of mixed sizes" : ""));
                }
                int k = index.of(e.label());
                if (k < 0) {
                    throw new DataFormatException(t.source, at(e) + "label '" + e.label() + "' is not a class (classes: "
                            + t.classNames.size() + ")");
                }
                long key = e.id() != null ? TrainingData.keyHash(t.splitSeed, e.id())
                        : TrainingData.contentHash(t.splitSeed, k, e.bytes(), e.floats());
                return new StreamedTable.Decoded(k, key, e.bytes(), e.floats());
            }

            /** "row 12 of file (row group 3) (its path): ", for the message of a bad row. */
            private String at(RowDecoder.Example e) {
                return "row " + (row - 1) + " of " + u.describe() + (e.where() != null ? " (" + e.where() + ")" : "")
                        + ": ";
            }

            @Override
            public void close() {
                parquet.close();
            }
        };
    }

    /** This job's folder on the executor's local disk (Spark's own scratch space: removed with the application). */
    static Path cacheDir(String runId) throws IOException {
        return Files.createDirectories(localDir(runId));
    }

    /** Job {@code runId}'s local folder: in Spark's scratch space of the application, or the temp folder outside Spark. */
    private static Path localDir(String runId) {
        Path root = org.apache.spark.SparkEnv.get() != null
                ? Path.of(org.apache.spark.SparkFiles.getRootDirectory())
                : Path.of(System.getProperty("java.io.tmpdir"));
        return root.resolve("ensembles-stream-" + runId);
    }

    /**
     * Removes this job's local folder on this executor (the end of the job). Several cleaning tasks
     * may land on one executor at once: one JVM cleans at a time, and a file already gone is fine.
     */
    public static synchronized void removeLocal(String runId) throws IOException {
        Path dir = localDir(runId);
        if (!Files.exists(dir)) return;
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (java.nio.file.NoSuchFileException | UncheckedIOException gone) {
            // removed meanwhile (a writer's temporary file renamed or deleted): nothing left to do
        }
    }
}

package io.ensembles.sources;

import io.ensembles.sources.StreamedTable.Decoded;
import io.ensembles.sources.StreamedTable.Rows;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.NoSuchElementException;

/**
 * Decoded rows as a file, for the streamed tables' validation rows (on the cluster's filesystem)
 * and the executors' local cache of row groups: per row its class, its key and its values (image
 * bytes, or floats), ending with class -1. Written and read as streams, never held whole.
 *
 * @param features values per row
 * @param bytes    whether the values are image bytes (else floats)
 */
record DecodedRows(int features, boolean bytes) {
    /** Local scratch files are plain local files (like Spark's own shuffle files), not a Hadoop filesystem's. */
    static DataOutputStream localWriter(Path file) throws IOException {
        return new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16));
    }

    void write(DataOutputStream out, Decoded d) throws IOException {
        out.writeInt(d.label());
        out.writeLong(d.key());
        if (bytes) {
            out.write(d.bytes());
        } else {
            for (float v : d.floats()) out.writeFloat(v);
        }
    }

    /** The end of a file of rows. */
    static void end(DataOutputStream out) throws IOException {
        out.writeInt(-1);
    }

    /** The rows of a file written by {@link #write} and {@link #end}; {@code file} names it in errors. */
    Rows read(InputStream raw, String file) {
        DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16));
        return new Rows() {
            Decoded next = read();

            private Decoded read() {
                try {
                    int label = in.readInt();
                    if (label < 0) return null;
                    long key = in.readLong();
                    if (bytes) {
                        byte[] b = new byte[features];
                        in.readFully(b);
                        return new Decoded(label, key, b, null);
                    }
                    float[] v = new float[features];
                    for (int p = 0; p < features; p++) v[p] = in.readFloat();
                    return new Decoded(label, key, null, v);
                } catch (EOFException e) {
                    throw new UncheckedIOException("decoded rows file " + file + " ends early", e);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public Decoded next() {
                if (next == null) throw new NoSuchElementException();
                Decoded d = next;
                next = read();
                return d;
            }

            @Override
            public void close() {
                try {
                    in.close();
                } catch (IOException ignored) {
                    // read only
                }
            }
        };
    }

    /** {@code from}'s rows, copied into the local file {@code target} as they pass ({@link Caching}). */
    Rows caching(Rows from, Path target) throws IOException {
        return new Caching(from, target);
    }

    /**
     * Rows copied into a cache file as they pass: the file appears under its name only once the
     * unit has been read to its end, so a reader never sees half a unit, and two tasks filling the
     * same unit at once each write their own copy.
     */
    private final class Caching implements Rows {
        private final Rows from;
        private final Path target;
        private final Path tmp;
        private final DataOutputStream out;
        private boolean failed; // a row that did not decode: the unit is never cached without it

        Caching(Rows from, Path target) throws IOException {
            this.from = from;
            this.target = target;
            this.tmp = target.resolveSibling(target.getFileName() + "." + java.util.UUID.randomUUID() + ".tmp");
            this.out = localWriter(tmp);
        }

        @Override
        public boolean hasNext() {
            return from.hasNext();
        }

        @Override
        public Decoded next() {
            Decoded d;
            try {
                d = from.next();
            } catch (RuntimeException e) {
                failed = true;
                throw e;
            }
            try {
                write(out, d);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return d;
        }

        @Override
        public void close() {
            boolean complete = !failed && !from.hasNext();
            from.close();
            try {
                if (complete) end(out);
                out.close();
                if (complete) Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the folder goes with the job
                }
            }
        }
    }
}

package io.ensembles.data;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small IDX files for the tests. */
public final class IdxFiles {
    private IdxFiles() {}

    public static byte[] images(int count, int rows, int cols, int declared) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.writeInt(IdxReader.IMAGES_MAGIC);
        out.writeInt(declared);
        out.writeInt(rows);
        out.writeInt(cols);
        for (int i = 0; i < count; i++) {
            for (int p = 0; p < rows * cols; p++) out.writeByte((i * 7 + p) % 256);
        }
        return b.toByteArray();
    }

    public static byte[] labels(int[] labels, int declared) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.writeInt(IdxReader.LABELS_MAGIC);
        out.writeInt(declared);
        for (int l : labels) out.writeByte(l);
        return b.toByteArray();
    }

    public static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(b)) {
            gz.write(raw);
        }
        return b.toByteArray();
    }

    public static String write(Path dir, String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p.toUri().toString();
    }
}

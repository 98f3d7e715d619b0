package io.ensembles.fs;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Every file of the project goes through here, on any Hadoop filesystem ({@code file://},
 * {@code hdfs://}, ...). Writes are atomic: bytes go to a hidden temporary file beside the
 * target and are renamed into place only when complete, so no reader ever sees half a file.
 */
public final class Fs {
    private static volatile Configuration conf = new Configuration();

    private Fs() {}

    /** Sets the Hadoop configuration used by this JVM (executors receive the driver's). */
    public static void configure(Map<String, String> entries) {
        Configuration c = new Configuration();
        entries.forEach(c::set);
        conf = c;
    }

    /** Uses this Hadoop configuration (the driver passes Spark's, with its spark.hadoop.* settings). */
    public static void configure(Configuration c) {
        conf = new Configuration(c);
    }

    public static Configuration conf() { return conf; }

    public static FileSystem fs(Path p) {
        try {
            return p.getFileSystem(conf);
        } catch (IOException e) {
            throw new UncheckedIOException("no filesystem for " + p + ": " + e.getMessage(), e);
        }
    }

    public static Path path(String uri) { return new Path(uri); }

    /**
     * Where a file or folder really is, symbolic links followed: on the local disk the real path
     * (Hadoop's local filesystem reports a link's own name), elsewhere what the filesystem resolves
     * the path to. Throws when it does not exist.
     */
    public static String realLocation(String uri) throws IOException {
        Path p = fs(path(uri)).makeQualified(path(uri));
        if ("file".equals(p.toUri().getScheme())) {
            return java.nio.file.Path.of(p.toUri()).toRealPath().toUri().toString();
        }
        return fs(p).resolvePath(p).toString();
    }

    /** The fully qualified form of a URI (scheme and authority filled in from the default FS). */
    public static String qualify(String uri) {
        Path p = path(uri);
        return fs(p).makeQualified(p).toString();
    }

    public static InputStream open(String uri) throws IOException {
        Path p = path(uri);
        FileSystem fs = fs(p);
        if (!fs.exists(p)) throw new FileNotFoundException("no such file");
        if (fs.getFileStatus(p).isDirectory()) throw new IOException("is a directory, expected a file");
        return fs.open(p);
    }

    /** Opens a file, un-gzipping it when it starts with the gzip magic bytes (whatever its name). */
    public static InputStream openMaybeGzip(String uri) throws IOException {
        InputStream raw = new java.io.BufferedInputStream(open(uri), 1 << 16);
        raw.mark(2);
        int b1 = raw.read();
        int b2 = raw.read();
        raw.reset();
        return b1 == 0x1f && b2 == 0x8b
                ? new java.io.BufferedInputStream(new java.util.zip.GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
    }

    public static boolean exists(String uri) {
        Path p = path(uri);
        try {
            return fs(p).exists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(uri + ": cannot be checked: " + e.getMessage(), e);
        }
    }

    public static boolean isFile(String uri) {
        Path p = path(uri);
        try {
            FileSystem fs = fs(p);
            return fs.exists(p) && fs.getFileStatus(p).isFile();
        } catch (IOException e) {
            throw new UncheckedIOException(uri + ": cannot be checked: " + e.getMessage(), e);
        }
    }

    public static byte[] readAll(String uri) throws IOException {
        try (InputStream in = open(uri)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    public static String readString(String uri) throws IOException {
        return new String(readAll(uri), StandardCharsets.UTF_8);
    }

    public static void mkdirs(String uri) throws IOException {
        Path p = path(uri);
        fs(p).mkdirs(p);
    }

    public static boolean delete(String uri, boolean recursive) throws IOException {
        Path p = path(uri);
        return fs(p).delete(p, recursive);
    }

    /** Writes the bytes that {@code body} produces to {@code uri} atomically; returns their SHA-256. */
    public static String writeAtomically(String uri, boolean overwrite, IoConsumer<OutputStream> body)
            throws IOException {
        Path target = path(uri);
        FileSystem fs = fs(target);
        // on the local disk the bytes go without a .crc sidecar: the rename below could not move the
        // pair in one step, and our own SHA-256 checks what matters
        org.apache.hadoop.fs.LocalFileSystem local = AtomicMove.local(fs);
        FileSystem writer = local != null ? local.getRaw() : fs;
        Path tmp = new Path(target.getParent(), "._tmp-" + target.getName() + "-" + UUID.randomUUID());
        MessageDigest digest = sha256();
        try {
            try (FSDataOutputStream raw = writer.create(tmp, false);
                 DigestOutputStream out = new DigestOutputStream(raw, digest)) {
                body.accept(out);
                out.flush();
                raw.hsync();
            }
            AtomicMove.moveIntoPlace(fs, tmp, target, overwrite, conf);
        } catch (IOException | RuntimeException e) {
            try {
                writer.delete(tmp, false);
            } catch (IOException ignored) {
                // the original failure is the one to report
            }
            throw e;
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Renames a file in one step where the filesystem allows it (see {@link #writeAtomically}). */
    public static void rename(String from, String to, boolean overwrite) throws IOException {
        Path src = path(from);
        FileSystem fs = fs(src);
        if (!fs.exists(src)) throw new FileNotFoundException(from + ": no such file");
        AtomicMove.moveIntoPlace(fs, src, path(to), overwrite, conf);
    }

    /**
     * Has {@code write} fill a new folder beside {@code uri}, then moves it into place in one rename:
     * a failed write leaves nothing at {@code uri}, and an existing {@code uri} is never replaced
     * or merged. For Parquet tables that Spark writes (the output of predict and convert).
     */
    public static void writeFolderAtomically(String uri, IoConsumer<String> write) throws IOException {
        if (exists(uri)) throw new org.apache.hadoop.fs.FileAlreadyExistsException(uri + " already exists");
        String tmp = uri.replaceAll("/+$", "") + ".tmp-" + UUID.randomUUID();
        try {
            write.accept(tmp);
            renameFolder(tmp, uri);
        } finally {
            if (exists(tmp)) delete(tmp, true);
        }
    }

    /**
     * Moves a finished folder into place, in one rename; fails when {@code to} exists, so a
     * complete table is never replaced or merged.
     */
    public static void renameFolder(String from, String to) throws IOException {
        Path src = path(from);
        Path dst = path(to);
        FileSystem fs = fs(src);
        if (!fs.getFileStatus(src).isDirectory()) throw new IOException(from + ": not a folder");
        if (fs.exists(dst)) throw new org.apache.hadoop.fs.FileAlreadyExistsException(to + " already exists");
        if (!fs.rename(src, dst)) throw new IOException("could not rename " + from + " to " + to);
    }

    /** The URIs of a folder's entries (none when it does not exist), hidden temporary files included. */
    /** When the file at {@code uri} was last modified, in epoch milliseconds. */
    public static long modifiedMillis(String uri) throws IOException {
        Path p = path(uri);
        return fs(p).getFileStatus(p).getModificationTime();
    }

    public static java.util.List<String> list(String uri) throws IOException {
        Path p = path(uri);
        FileSystem fs = fs(p);
        if (!fs.exists(p)) return java.util.List.of();
        java.util.List<String> out = new java.util.ArrayList<>();
        for (org.apache.hadoop.fs.FileStatus st : fs.listStatus(p)) out.add(st.getPath().toString());
        java.util.Collections.sort(out);
        return out;
    }

    public static String writeString(String uri, String text, boolean overwrite) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return writeAtomically(uri, overwrite, out -> out.write(bytes));
    }

    public static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    public static String sha256Hex(String uri) throws IOException {
        MessageDigest d = sha256();
        try (InputStream in = open(uri)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) d.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A consumer that may throw IOException. */
    @FunctionalInterface
    public interface IoConsumer<T> {
        void accept(T t) throws IOException;
    }
}

package io.ensembles.fs;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** The last step of every atomic write of {@link Fs}: a finished temporary file moved into place. */
final class AtomicMove {
    private AtomicMove() {}

    /** The local filesystem behind {@code file://} URIs, or null for any other. */
    static org.apache.hadoop.fs.LocalFileSystem local(FileSystem fs) {
        return fs instanceof org.apache.hadoop.fs.LocalFileSystem l && "file".equals(fs.getUri().getScheme()) ? l : null;
    }

    /**
     * Renames {@code tmp} to {@code target}, atomically where the store allows it:
     * <ul>
     *   <li>on the local disk with {@code overwrite}: one rename(2), which replaces the target in one
     *       step, so a crash leaves the old file or the new one, never neither (Hadoop's own rename
     *       there deletes the target first); without it: a hard link, which fails if the target
     *       exists, so of two writers exactly one creates the file;</li>
     *   <li>on HDFS (and other FileContext bindings): the namenode's rename, atomic in both modes;</li>
     *   <li>elsewhere: exists / delete / rename, in several steps.</li>
     * </ul>
     */
    static void moveIntoPlace(FileSystem fs, Path tmp, Path target, boolean overwrite, Configuration conf)
            throws IOException {
        org.apache.hadoop.fs.LocalFileSystem local = local(fs);
        if (local != null) {
            java.nio.file.Path src = local.pathToFile(tmp).toPath();
            java.nio.file.Path dst = local.pathToFile(target).toPath();
            // a checksum sidecar of an earlier file would no longer describe the bytes
            java.nio.file.Path staleCrc = local.pathToFile(local.getChecksumFile(target)).toPath();
            if (overwrite) {
                java.nio.file.Files.deleteIfExists(staleCrc);
                java.nio.file.Files.move(src, dst, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } else {
                try {
                    java.nio.file.Files.createLink(dst, src);
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    throw new org.apache.hadoop.fs.FileAlreadyExistsException(target + " already exists");
                }
                java.nio.file.Files.deleteIfExists(staleCrc); // the target is ours now: any sidecar is stale
                java.nio.file.Files.delete(src);
            }
            java.nio.file.Files.deleteIfExists(local.pathToFile(local.getChecksumFile(tmp)).toPath());
            return;
        }
        org.apache.hadoop.fs.FileContext fc;
        try {
            fc = org.apache.hadoop.fs.FileContext.getFileContext(fs.getUri(), conf);
        } catch (org.apache.hadoop.fs.UnsupportedFileSystemException e) {
            fc = null;
        }
        if (fc != null) {
            fc.rename(tmp, target, overwrite ? org.apache.hadoop.fs.Options.Rename.OVERWRITE
                    : org.apache.hadoop.fs.Options.Rename.NONE);
            return;
        }
        if (fs.exists(target)) {
            if (!overwrite) throw new org.apache.hadoop.fs.FileAlreadyExistsException(target + " already exists");
            fs.delete(target, false);
        }
        if (!fs.rename(tmp, target)) throw new IOException("could not rename " + tmp + " to " + target);
    }
}

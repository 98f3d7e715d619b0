package io.ensembles.store;

import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.security.AccessControlException;
import org.apache.hadoop.util.Progressable;

/**
 * The local disk under the scheme {@code denied://}, where files can be listed but neither read
 * nor written: what an unreadable data path and a read-only output location look like to the
 * jobs. (The tests run as root, which ignores file permissions, so a filesystem plays the part.)
 * Registered through the Hadoop setting {@code fs.denied.impl}.
 */
public class DeniedFileSystem extends RawLocalFileSystem {
    @Override
    public URI getUri() {
        return URI.create("denied:///");
    }

    @Override
    public String getScheme() {
        return "denied";
    }

    private static AccessControlException denied(Path p) {
        return new AccessControlException("Permission denied: " + p);
    }

    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        throw denied(f);
    }

    @Override
    public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
                                     short replication, long blockSize, Progressable progress) throws IOException {
        throw denied(f);
    }

    @Override
    public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication, long blockSize,
                                     Progressable progress) throws IOException {
        throw denied(f);
    }

    @Override
    public boolean mkdirs(Path f, FsPermission permission) throws IOException {
        if (pathToFile(f).isDirectory()) return true;
        throw denied(f);
    }

    @Override
    public boolean mkdirs(Path f) throws IOException {
        return mkdirs(f, FsPermission.getDirDefault());
    }

    @Override
    public boolean rename(Path src, Path dst) throws IOException {
        throw denied(dst);
    }

    @Override
    public boolean delete(Path p, boolean recursive) throws IOException {
        throw denied(p);
    }
}

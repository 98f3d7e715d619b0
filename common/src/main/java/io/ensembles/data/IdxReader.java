package io.ensembles.data;

import io.ensembles.store.Fs;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX format of the MNIST family (unsigned-byte images and labels), gzipped or not,
 * from any Hadoop filesystem URI. Every defect is reported before any training starts.
 */
public final class IdxReader {
    static final int IMAGES_MAGIC = 0x00000803;
    static final int LABELS_MAGIC = 0x00000801;

    private IdxReader() {}

    /** Reads an image file and its label file; {@code limit <= 0} reads all examples. */
    public static ImageDataset read(String imagesUri, String labelsUri, int classes, int limit) {
        Images images = readImages(imagesUri, limit);
        int[] labels = readLabels(labelsUri, limit);
        if (images.count != labels.length) {
            throw new DataFormatException(imagesUri, "holds " + images.count + " images but "
                    + labelsUri + " holds " + labels.length + " labels");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] >= classes) {
                throw new DataFormatException(labelsUri, "label " + labels[i] + " of example " + i
                        + " is outside the class range 0.." + (classes - 1));
            }
        }
        return new ImageDataset(images.pixels, labels, images.rows, images.cols, classes, imagesUri);
    }

    record Images(byte[] pixels, int count, int rows, int cols) {}

    static Images readImages(String uri, int limit) {
        try (DataInputStream in = open(uri)) {
            int magic = header(in, uri);
            if (magic != IMAGES_MAGIC) {
                throw new DataFormatException(uri, String.format(
                        "wrong magic number 0x%08X, expected 0x%08X (IDX unsigned-byte images, 3 dimensions)",
                        magic, IMAGES_MAGIC));
            }
            int declared = header(in, uri);
            int rows = header(in, uri);
            int cols = header(in, uri);
            if (declared <= 0) throw new DataFormatException(uri, "is empty (0 images)");
            if (rows <= 0 || cols <= 0 || (long) rows * cols > 1 << 24) {
                throw new DataFormatException(uri, "has an invalid image size " + rows + "x" + cols);
            }
            int count = limit > 0 ? Math.min(limit, declared) : declared;
            long bytes = (long) count * rows * cols;
            if (bytes > Integer.MAX_VALUE - 8) {
                throw new DataFormatException(uri, count + " images are too many to hold; use a limit");
            }
            byte[] pixels = new byte[(int) bytes];
            try {
                in.readFully(pixels);
            } catch (EOFException e) {
                throw new DataFormatException(uri, "is truncated: the header declares " + declared
                        + " images of " + rows + "x" + cols + " but the data ends early");
            }
            if (count == declared && in.read() >= 0) {
                throw new DataFormatException(uri, "has bytes after the " + declared + " images it declares");
            }
            return new Images(pixels, count, rows, cols);
        } catch (IOException e) {
            throw new DataFormatException(uri, "cannot be read: " + e.getMessage(), e);
        }
    }

    static int[] readLabels(String uri, int limit) {
        try (DataInputStream in = open(uri)) {
            int magic = header(in, uri);
            if (magic != LABELS_MAGIC) {
                throw new DataFormatException(uri, String.format(
                        "wrong magic number 0x%08X, expected 0x%08X (IDX unsigned-byte labels, 1 dimension)",
                        magic, LABELS_MAGIC));
            }
            int declared = header(in, uri);
            if (declared <= 0) throw new DataFormatException(uri, "is empty (0 labels)");
            int count = limit > 0 ? Math.min(limit, declared) : declared;
            byte[] raw = new byte[count];
            try {
                in.readFully(raw);
            } catch (EOFException e) {
                throw new DataFormatException(uri, "is truncated: the header declares " + declared
                        + " labels but the data ends early");
            }
            if (count == declared && in.read() >= 0) {
                throw new DataFormatException(uri, "has bytes after the " + declared + " labels it declares");
            }
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) labels[i] = raw[i] & 0xFF;
            return labels;
        } catch (IOException e) {
            throw new DataFormatException(uri, "cannot be read: " + e.getMessage(), e);
        }
    }

    private static int header(DataInputStream in, String uri) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw new DataFormatException(uri, "is truncated: it ends inside the IDX header");
        }
    }

    /** Opens a file, un-gzipping it when it starts with the gzip magic bytes. */
    static DataInputStream open(String uri) throws IOException {
        InputStream raw = new BufferedInputStream(Fs.open(uri), 1 << 16);
        raw.mark(2);
        int b1 = raw.read();
        int b2 = raw.read();
        raw.reset();
        boolean gz = b1 == 0x1f && b2 == 0x8b;
        return new DataInputStream(gz ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw);
    }
}

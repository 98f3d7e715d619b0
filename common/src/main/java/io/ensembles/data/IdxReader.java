package io.ensembles.data;

import io.ensembles.fs.Fs;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;

/**
 * Reads the IDX format of the MNIST family (unsigned-byte images and labels), gzipped or not,
 * from any Hadoop filesystem URI. Every defect is reported before any training starts.
 */
public final class IdxReader {
    static final int IMAGES_MAGIC = 0x00000803;
    static final int LABELS_MAGIC = 0x00000801;

    private IdxReader() {}

    /** Reads an image file and its label file; {@code limit <= 0} reads all examples. */
    public static ExampleSet read(String imagesUri, String labelsUri, int classes, int limit) {
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
        return ExampleSet.grey(images.pixels, labels, images.rows, images.cols, classes, imagesUri);
    }

    record Images(byte[] pixels, int count, int rows, int cols) {}

    static Images readImages(String uri, int limit) {
        try (DataInputStream in = open(uri)) {
            expectMagic(in, uri, IMAGES_MAGIC, "IDX unsigned-byte images, 3 dimensions");
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
            readBody(in, uri, pixels, count == declared, declared + " images of " + rows + "x" + cols);
            return new Images(pixels, count, rows, cols);
        } catch (IOException e) {
            throw new DataFormatException(uri, "cannot be read: " + e.getMessage(), e);
        }
    }

    static int[] readLabels(String uri, int limit) {
        try (DataInputStream in = open(uri)) {
            expectMagic(in, uri, LABELS_MAGIC, "IDX unsigned-byte labels, 1 dimension");
            int declared = header(in, uri);
            if (declared <= 0) throw new DataFormatException(uri, "is empty (0 labels)");
            int count = limit > 0 ? Math.min(limit, declared) : declared;
            byte[] raw = new byte[count];
            readBody(in, uri, raw, count == declared, declared + " labels");
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) labels[i] = raw[i] & 0xFF;
            return labels;
        } catch (IOException e) {
            throw new DataFormatException(uri, "cannot be read: " + e.getMessage(), e);
        }
    }

    private static void expectMagic(DataInputStream in, String uri, int expected, String what) throws IOException {
        int magic = header(in, uri);
        if (magic != expected) {
            throw new DataFormatException(uri, String.format("wrong magic number 0x%08X, expected 0x%08X (%s)",
                    magic, expected, what));
        }
    }

    /** Fills {@code into}; when it is meant to hold everything the header declares, nothing may follow. */
    private static void readBody(DataInputStream in, String uri, byte[] into, boolean whole, String declared)
            throws IOException {
        try {
            in.readFully(into);
        } catch (EOFException e) {
            throw new DataFormatException(uri, "is truncated: the header declares " + declared
                    + " but the data ends early");
        }
        if (whole && in.read() >= 0) {
            throw new DataFormatException(uri, "has bytes after the " + declared + " it declares");
        }
    }

    private static int header(DataInputStream in, String uri) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw new DataFormatException(uri, "is truncated: it ends inside the IDX header");
        }
    }

    static DataInputStream open(String uri) throws IOException {
        return new DataInputStream(Fs.openMaybeGzip(uri));
    }
}

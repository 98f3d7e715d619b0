package io.ensembles.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    @TempDir
    Path dir;

    private final int[] labels = {3, 1, 4, 1, 5};

    @Test
    void readsPlainAndGzippedFilesAlike() throws Exception {
        byte[] img = IdxFiles.images(5, 4, 3, 5);
        byte[] lab = IdxFiles.labels(labels, 5);
        ExampleSet plain = IdxReader.read(IdxFiles.write(dir, "i", img), IdxFiles.write(dir, "l", lab), 10, 0);
        ExampleSet gz = IdxReader.read(IdxFiles.write(dir, "i.gz", IdxFiles.gzip(img)),
                IdxFiles.write(dir, "l.gz", IdxFiles.gzip(lab)), 10, 0);
        for (ExampleSet d : new ExampleSet[] {plain, gz}) {
            assertEquals(5, d.size());
            assertEquals(4, d.shape().height());
            assertEquals(3, d.shape().width());
            assertArrayEquals(labels, d.labels());
            assertEquals((2 * 7 + 5) % 256, d.pixel(2, 5));
        }
    }

    @Test
    void limitReadsTheFirstExamples() throws Exception {
        ExampleSet d = IdxReader.read(IdxFiles.write(dir, "i", IdxFiles.images(5, 2, 2, 5)),
                IdxFiles.write(dir, "l", IdxFiles.labels(labels, 5)), 10, 3);
        assertEquals(3, d.size());
        assertArrayEquals(Arrays.copyOf(labels, 3), d.labels());
    }

    private String fail(byte[] images, byte[] labelBytes, int classes) throws Exception {
        String i = IdxFiles.write(dir, "bad-images", images);
        String l = IdxFiles.write(dir, "bad-labels", labelBytes);
        DataFormatException e = assertThrows(DataFormatException.class, () -> IdxReader.read(i, l, classes, 0));
        assertEquals(1, e.getMessage().lines().count(), "one-line message: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void wrongMagicNumberNamesFileAndNumbers() throws Exception {
        byte[] img = IdxFiles.labels(labels, 5); // a label file where images are expected
        String msg = fail(img, IdxFiles.labels(labels, 5), 10);
        assertTrue(msg.contains("bad-images") && msg.contains("wrong magic number 0x00000801")
                && msg.contains("0x00000803"), msg);
    }

    @Test
    void truncatedImages() throws Exception {
        byte[] img = IdxFiles.images(5, 4, 4, 5);
        String msg = fail(Arrays.copyOf(img, img.length - 10), IdxFiles.labels(labels, 5), 10);
        assertTrue(msg.contains("bad-images") && msg.contains("truncated") && msg.contains("5 images"), msg);
    }

    @Test
    void truncatedHeader() throws Exception {
        String msg = fail(Arrays.copyOf(IdxFiles.images(5, 4, 4, 5), 6), IdxFiles.labels(labels, 5), 10);
        assertTrue(msg.contains("ends inside the IDX header"), msg);
    }

    @Test
    void truncatedLabels() throws Exception {
        byte[] lab = IdxFiles.labels(labels, 5);
        String msg = fail(IdxFiles.images(5, 2, 2, 5), Arrays.copyOf(lab, lab.length - 2), 10);
        assertTrue(msg.contains("bad-labels") && msg.contains("truncated"), msg);
    }

    @Test
    void imageLabelCountMismatch() throws Exception {
        String msg = fail(IdxFiles.images(4, 2, 2, 4), IdxFiles.labels(labels, 5), 10);
        assertTrue(msg.contains("holds 4 images but") && msg.contains("5 labels"), msg);
    }

    @Test
    void labelOutsideClassRange() throws Exception {
        String msg = fail(IdxFiles.images(5, 2, 2, 5), IdxFiles.labels(new int[] {0, 1, 2, 12, 3}, 5), 10);
        assertTrue(msg.contains("bad-labels") && msg.contains("label 12 of example 3") && msg.contains("0..9"), msg);
    }

    @Test
    void emptyFiles() throws Exception {
        String msg = fail(IdxFiles.images(0, 2, 2, 0), IdxFiles.labels(new int[0], 0), 10);
        assertTrue(msg.contains("is empty"), msg);
        String zeroBytes = IdxFiles.write(dir, "zero", new byte[0]);
        String l = IdxFiles.write(dir, "l", IdxFiles.labels(labels, 5));
        DataFormatException e = assertThrows(DataFormatException.class, () -> IdxReader.read(zeroBytes, l, 10, 0));
        assertTrue(e.getMessage().contains("zero") && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void trailingBytesAreRejected() throws Exception {
        byte[] img = IdxFiles.images(5, 2, 2, 5);
        byte[] longer = Arrays.copyOf(img, img.length + 3);
        String msg = fail(longer, IdxFiles.labels(labels, 5), 10);
        assertTrue(msg.contains("bytes after the 5 images"), msg);
    }

    @Test
    void missingFile() throws Exception {
        String l = IdxFiles.write(dir, "l", IdxFiles.labels(labels, 5));
        String missing = dir.resolve("nope.gz").toUri().toString();
        DataFormatException e = assertThrows(DataFormatException.class, () -> IdxReader.read(missing, l, 10, 0));
        assertTrue(e.getMessage().contains("nope.gz") && e.getMessage().contains("no such file"), e.getMessage());
    }
}

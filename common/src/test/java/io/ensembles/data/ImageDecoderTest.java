package io.ensembles.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {
    static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out), format);
        return out.toByteArray();
    }

    @Test
    void greyAndColourPngsRoundTripChannelMajor() throws IOException {
        byte[] rgb = new byte[3 * 6];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (i * 13);
        ImageDecoder.Decoded colour = new ImageDecoder.Decoded(3, 2, 3, rgb, false);
        ImageDecoder.Decoded back = ImageDecoder.decode(ImageDecoder.png(colour), 0, 0);
        assertEquals(InputShape.image(3, 2, 3), back.shape());
        assertArrayEquals(rgb, back.values(), "R plane, then G, then B");
        byte[] grey = {0, 50, 100, (byte) 200, (byte) 255, 7};
        back = ImageDecoder.decode(ImageDecoder.png(new ImageDecoder.Decoded(1, 3, 2, grey, false)), 0, 0);
        assertEquals(InputShape.image(1, 3, 2), back.shape());
        assertArrayEquals(grey, back.values());
    }

    @Test
    void anAlphaChannelIsDroppedAndReported() throws IOException {
        BufferedImage argb = new BufferedImage(2, 2, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x80FF2010);
        ImageDecoder.Decoded d = ImageDecoder.decode(encode(argb, "png"), 0, 0);
        assertEquals(3, d.channels());
        assertTrue(d.alphaDropped());
        assertEquals(0xFF, d.values()[0] & 0xFF);
        assertEquals(0x20, d.values()[4] & 0xFF);
        assertEquals(0x10, d.values()[8] & 0xFF);
    }

    @Test
    void jpegAndResizing() throws IOException {
        BufferedImage img = new BufferedImage(16, 8, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) for (int x = 0; x < 16; x++) img.setRGB(x, y, 0x808080);
        ImageDecoder.Decoded d = ImageDecoder.decode(encode(img, "jpg"), 4, 4);
        assertEquals(InputShape.image(3, 4, 4), d.shape());
        assertFalse(d.alphaDropped());
        for (byte v : d.values()) assertEquals(128, v & 0xFF, 3, "a flat grey stays grey");
    }

    @Test
    void sparksInterleavedBgrBecomesRgbPlanes() throws IOException {
        byte[] bgr = {1, 2, 3, 4, 5, 6}; // two pixels: B G R, B G R
        ImageDecoder.Decoded d = ImageDecoder.fromInterleavedBgr(bgr, 1, 2, 3, 0, 0);
        assertArrayEquals(new byte[] {3, 6, 2, 5, 1, 4}, d.values());
        assertThrows(IOException.class, () -> ImageDecoder.fromInterleavedBgr(bgr, 1, 2, 2, 0, 0));
    }

    @Test
    void bytesThatAreNoImageAreRefused() {
        IOException e = assertThrows(IOException.class, () -> ImageDecoder.decode(new byte[] {1, 2, 3}, 0, 0));
        assertTrue(e.getMessage().contains("not a PNG, JPEG"), e.getMessage());
    }
}

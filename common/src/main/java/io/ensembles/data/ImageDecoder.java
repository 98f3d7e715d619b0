package io.ensembles.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/**
 * Decodes encoded images (PNG, JPEG, BMP, GIF: whatever {@code javax.imageio} reads) and raw
 * interleaved pixel buffers (Spark's image source) into channel-major unsigned bytes: grey as one
 * channel, colour as RGB; an alpha channel is dropped (and reported). Optionally resized
 * (bilinear) to a fixed height and width.
 */
public final class ImageDecoder {
    static {
        // ImageIO buffers every stream in a temporary file by default: for small in-memory images
        // that costs more than the decoding
        ImageIO.setUseCache(false);
    }

    private ImageDecoder() {}

    /** One decoded image: {@code channels x height x width} bytes, channel-major. */
    public record Decoded(int channels, int height, int width, byte[] values, boolean alphaDropped) {
        public InputShape shape() {
            return InputShape.image(channels, height, width);
        }
    }

    /**
     * Decodes {@code encoded}; {@code resizeH, resizeW <= 0} keeps the size.
     *
     * @throws IOException when the bytes are not an image any installed reader knows
     */
    public static Decoded decode(byte[] encoded, int resizeH, int resizeW) throws IOException {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(encoded));
        if (img == null) throw new IOException("not a PNG, JPEG or other image format this JVM reads");
        return fromImage(img, resizeH, resizeW);
    }

    /**
     * Spark's image-source layout: {@code height x width x nChannels} interleaved bytes, colour in
     * BGR(A) order (OpenCV's), 1, 3 or 4 channels.
     */
    public static Decoded fromInterleavedBgr(byte[] data, int height, int width, int nChannels, int resizeH,
                                             int resizeW) throws IOException {
        if (nChannels != 1 && nChannels != 3 && nChannels != 4) {
            throw new IOException(nChannels + " channels (expected 1, 3 or 4)");
        }
        if ((long) height * width * nChannels != data.length) {
            throw new IOException(data.length + " bytes for a " + height + "x" + width + "x" + nChannels + " image");
        }
        int ch = nChannels == 1 ? 1 : 3;
        byte[] chw = new byte[ch * height * width];
        int plane = height * width;
        for (int p = 0; p < plane; p++) {
            if (ch == 1) {
                chw[p] = data[p];
            } else {
                chw[p] = data[p * nChannels + 2];             // R
                chw[plane + p] = data[p * nChannels + 1];     // G
                chw[2 * plane + p] = data[p * nChannels];     // B
            }
        }
        Decoded d = new Decoded(ch, height, width, chw, nChannels == 4);
        return resizeH > 0 && (resizeH != height || resizeW != width) ? resize(d, resizeH, resizeW) : d;
    }

    private static Decoded fromImage(BufferedImage img, int resizeH, int resizeW) {
        boolean grey = img.getColorModel().getNumColorComponents() == 1 && !(img.getColorModel() instanceof IndexColorModel);
        boolean alpha = img.getColorModel().hasAlpha();
        int h = img.getHeight();
        int w = img.getWidth();
        if (resizeH > 0 && (resizeH != h || resizeW != w)) {
            BufferedImage scaled = new BufferedImage(resizeW, resizeH,
                    grey ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
            Graphics2D g = scaled.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(img, 0, 0, resizeW, resizeH, null);
            g.dispose();
            Decoded d = fromImage(scaled, 0, 0);
            return new Decoded(d.channels(), d.height(), d.width(), d.values(), alpha);
        }
        int plane = h * w;
        if (grey) {
            byte[] out = new byte[plane];
            Raster r = img.getRaster();
            int shift = Math.max(0, img.getColorModel().getComponentSize(0) - 8); // 16-bit grey: the high byte
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) out[y * w + x] = (byte) (r.getSample(x, y, 0) >> shift);
            }
            return new Decoded(1, h, w, out, alpha);
        }
        byte[] out = new byte[3 * plane];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int p = y * w + x;
                out[p] = (byte) (row[x] >> 16);
                out[plane + p] = (byte) (row[x] >> 8);
                out[2 * plane + p] = (byte) row[x];
            }
        }
        return new Decoded(3, h, w, out, alpha);
    }

    /** Bilinear resize of a decoded image. */
    private static Decoded resize(Decoded d, int h, int w) {
        BufferedImage img = toImage(d);
        Decoded r = fromImage(img, h, w);
        return new Decoded(r.channels(), r.height(), r.width(), r.values(), d.alphaDropped());
    }

    /** The image as a {@link BufferedImage} (grey or RGB): for resizing and for writing PNG files. */
    public static BufferedImage toImage(Decoded d) {
        int plane = d.height() * d.width();
        BufferedImage img = new BufferedImage(d.width(), d.height(),
                d.channels() == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < d.height(); y++) {
            for (int x = 0; x < d.width(); x++) {
                int p = y * d.width() + x;
                if (d.channels() == 1) {
                    img.getRaster().setSample(x, y, 0, d.values()[p] & 0xFF);
                } else {
                    img.setRGB(x, y, (d.values()[p] & 0xFF) << 16 | (d.values()[plane + p] & 0xFF) << 8
                            | (d.values()[2 * plane + p] & 0xFF));
                }
            }
        }
        return img;
    }

    /** PNG bytes of one channel-major image (1 or 3 channels): what {@code convert} writes. */
    public static byte[] png(Decoded d) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            ImageIO.write(toImage(d), "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}

package io.ensembles.data;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.io.Serializable;

/**
 * The shape of one example: an image of {@code channels x height x width} (laid out channel-major,
 * as DL4J's convolutional input reads a flat row), or a vector of {@code channels} features
 * ({@code height = width = 1}, {@link #vector}).
 */
public record InputShape(String kind, int channels, int height, int width) implements Serializable {
    public static final String IMAGE = "image";
    public static final String VECTOR = "vector";

    public InputShape {
        if (!IMAGE.equals(kind) && !VECTOR.equals(kind)) {
            throw new IllegalArgumentException("input kind '" + kind + "' (expected " + IMAGE + " or " + VECTOR + ")");
        }
        if (channels < 1 || height < 1 || width < 1 || (long) channels * height * width > 1 << 26) {
            throw new IllegalArgumentException("invalid input shape " + channels + "x" + height + "x" + width);
        }
    }

    public static InputShape image(int channels, int height, int width) {
        return new InputShape(IMAGE, channels, height, width);
    }

    public static InputShape vector(int features) {
        return new InputShape(VECTOR, features, 1, 1);
    }

    @JsonIgnore
    public boolean isImage() {
        return IMAGE.equals(kind);
    }

    /** Numbers in one example. */
    @JsonIgnore
    public int size() {
        return channels * height * width;
    }

    /** Values per normalisation group: a channel's plane for an image, one feature for a vector. */
    @JsonIgnore
    public int groupSize() {
        return height * width;
    }

    /** "3x32x32 image" or "30 features": how messages name a shape. */
    @Override
    public String toString() {
        return isImage() ? channels + "x" + height + "x" + width + " image" : channels + " features";
    }
}

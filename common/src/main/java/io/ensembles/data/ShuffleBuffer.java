package io.ensembles.data;

import java.util.SplittableRandom;

/**
 * A bounded shuffle buffer, as tf.data and Petastorm shuffle data larger than memory: the first
 * {@code capacity} items fill it, then every item offered takes the place of one drawn at random,
 * which is given out; at the end the rest come out in random order. An item leaves at most about
 * {@code capacity} places from where it came in; the draws depend only on the seed.
 */
public final class ShuffleBuffer<T> {
    private final Object[] slots;
    private final SplittableRandom random;
    private int size;

    public ShuffleBuffer(int capacity, long seed) {
        if (capacity < 1) throw new IllegalArgumentException("a shuffle buffer of " + capacity + " items");
        this.slots = new Object[capacity];
        this.random = new SplittableRandom(seed);
    }

    /** Takes {@code item} in; returns the item that leaves for it, or null while the buffer is filling. */
    @SuppressWarnings("unchecked")
    public T offer(T item) {
        if (size < slots.length) {
            slots[size++] = item;
            return null;
        }
        int j = random.nextInt(slots.length);
        T out = (T) slots[j];
        slots[j] = item;
        return out;
    }

    /** One of the items left, drawn at random (null when empty): the end of the stream. */
    @SuppressWarnings("unchecked")
    public T poll() {
        if (size == 0) return null;
        int j = random.nextInt(size);
        T out = (T) slots[j];
        slots[j] = slots[--size];
        slots[size] = null;
        return out;
    }

    public int size() {
        return size;
    }
}

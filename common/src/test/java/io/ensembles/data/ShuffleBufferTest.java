package io.ensembles.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShuffleBufferTest {
    static List<Integer> stream(int n, int capacity, long seed) {
        ShuffleBuffer<Integer> b = new ShuffleBuffer<>(capacity, seed);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Integer o = b.offer(i);
            if (o != null) out.add(o);
        }
        for (Integer o = b.poll(); o != null; o = b.poll()) out.add(o);
        return out;
    }

    @Test
    void everyItemComesOutOnceInAnOrderThatDependsOnlyOnTheSeed() {
        List<Integer> a = stream(10_000, 500, 3);
        assertEquals(10_000, a.size());
        assertEquals(10_000, a.stream().distinct().count());
        assertEquals(a, stream(10_000, 500, 3));
        assertNotEquals(a, stream(10_000, 500, 4));
        // shuffled: far from the input order, but never earlier than a buffer's length before its place
        int moved = 0;
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i) != i) moved++;
            assertTrue(a.get(i) <= i + 500, "item " + a.get(i) + " came out at " + i);
        }
        assertTrue(moved > 9_900, moved + " moved");
    }

    @Test
    void aBufferLargerThanTheStreamIsAFullShuffle() {
        List<Integer> a = stream(100, 1000, 1);
        assertEquals(100, a.stream().distinct().count());
        assertNotEquals(java.util.stream.IntStream.range(0, 100).boxed().toList(), a); // drawn, not first in first out
        ShuffleBuffer<Integer> empty = new ShuffleBuffer<>(4, 1);
        assertNull(empty.poll());
    }
}

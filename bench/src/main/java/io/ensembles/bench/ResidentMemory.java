package io.ensembles.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's resident memory as Linux reports it in {@code /proc/self/status}. The peak
 * ({@code VmHWM}) counts every byte the process touched, native or heap, which JavaCPP's own
 * counter does not (ND4J's workspaces are allocated outside it); writing 5 to
 * {@code /proc/self/clear_refs} resets the peak to the current size, so the peak of one phase can be
 * measured on its own.
 */
final class ResidentMemory {
    private ResidentMemory() {}

    /** Resets the peak to the current resident size and returns that size, in bytes. */
    static long resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reset the resident peak (Linux >= 4.0 needed)", e);
        }
        return field("VmRSS:");
    }

    /** The peak resident size since the last reset, in bytes. */
    static long peak() {
        return field("VmHWM:");
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException(name + " missing from /proc/self/status");
    }
}

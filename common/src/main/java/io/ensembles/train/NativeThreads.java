package io.ensembles.train;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Caps ND4J's native threads (its own pool and OpenBLAS) for the member a task trains. The
 * environment (OMP_NUM_THREADS, set by the launcher before the JVM starts) is the reliable
 * setting; this call repeats it at run time for JVMs started some other way.
 */
public final class NativeThreads {
    private NativeThreads() {}

    public static void limit(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
    }
}

package io.ensembles.train;

import org.nd4j.linalg.factory.Nd4j;

/**
 * The native side of training: which ND4J build runs and with how many threads.
 * <ul>
 *   <li>{@link #configure()} selects ND4J's oneDNN build and enables DL4J's oneDNN helpers.
 *       The JVM options of {@code conf/jvm.properties} do this at start-up; this call repeats it
 *       for JVMs started another way, and must run before ND4J loads to pick the build.</li>
 *   <li>{@link #limitThreads(int)} caps ND4J's own pool and OpenBLAS for the member a task trains.
 *       The environment (OMP_NUM_THREADS, set by the launcher before the JVM starts) is the
 *       reliable setting; this repeats it at run time.</li>
 * </ul>
 */
public final class NativeRuntime {
    /** javacpp's property choosing the native build: "-onednn" loads linux-x86_64-onednn. */
    public static final String PLATFORM_EXTENSION = "org.bytedeco.javacpp.platform.extension";
    /** DL4J M2.1 disables its oneDNN/cuDNN layer helpers unless this is "false". */
    public static final String HELPERS_DISABLED = "org.eclipse.deeplearning4j.helpers.disable";

    /** The class of ND4J's CUDA backend, present only in a -Pcuda build. */
    static final String CUDA_BACKEND = "org.nd4j.linalg.jcublas.JCublasBackend";

    private NativeRuntime() {}

    /** True in a -Pcuda build: ND4J's CUDA backend is on the classpath (checked without loading it). */
    public static boolean cudaBuild() {
        try {
            Class.forName(CUDA_BACKEND, false, NativeRuntime.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** The native build this project ships: oneDNN on the CPU backend, cuDNN on the CUDA backend. */
    public static String platformExtension() {
        return cudaBuild() ? "-cudnn" : "-onednn";
    }

    /** The ND4J JVM options of conf/jvm.properties, with the native build this build ships. */
    public static String jvmOptionsForThisBuild(String options) {
        return options.replace(PLATFORM_EXTENSION + "=-onednn", PLATFORM_EXTENSION + "=" + platformExtension());
    }

    public static void configure() {
        if (System.getProperty(PLATFORM_EXTENSION) == null) System.setProperty(PLATFORM_EXTENSION, platformExtension());
        if (System.getProperty(HELPERS_DISABLED) == null) System.setProperty(HELPERS_DISABLED, "false");
    }

    public static void limitThreads(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        configure();
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
    }

    /** True when DL4J will run convolutions, pooling and batch-norm through oneDNN. */
    public static boolean oneDnnHelpersActive() {
        return !Boolean.parseBoolean(System.getProperty(HELPERS_DISABLED, "true"))
                && org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper.mklDnnEnabled();
    }
}

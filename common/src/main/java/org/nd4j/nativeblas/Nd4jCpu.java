package org.nd4j.nativeblas;

/**
 * Compatibility shim for a bug in DL4J 1.0.0-M2.1: its oneDNN helpers (convolution, pooling,
 * batch-norm) decide whether oneDNN is available by loading
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment} and calling {@code isUseMKLDNN()}, but ND4J
 * M2.1 moved that class to {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu} and renamed
 * the method {@code isUseONEDNN()}. The check therefore always failed, and every convolution
 * ran through DL4J's slow Java im2col path (measured 14x slower on our small CNN). This class
 * answers the old question with the new API. Remove it when DL4J fixes the lookup.
 */
public final class Nd4jCpu {
    private Nd4jCpu() {}

    /** The old name of ND4J's native environment, as DL4J's helper check looks it up. */
    public static final class Environment {
        private static final Environment INSTANCE = new Environment();

        private Environment() {}

        public static Environment getInstance() {
            return INSTANCE;
        }

        /** Asked through reflection, so that the class also compiles in the -Pcuda build (no CPU backend). */
        public boolean isUseMKLDNN() {
            try {
                Class<?> env = Class.forName("org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment");
                Object instance = env.getMethod("getInstance").invoke(null);
                return (Boolean) env.getMethod("isUseONEDNN").invoke(instance);
            } catch (ReflectiveOperationException | LinkageError e) {
                return false; // not the CPU backend: no oneDNN
            }
        }
    }
}

package io.ensembles.cluster;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A Spark standalone cluster on loopback for the cluster tests, started and stopped with
 * {@code submit/local-cluster} (the script users run), and the project's command line
 * ({@code submit/ensemble}) run against it as a separate process, exactly as a user would.
 */
final class LocalCluster implements AutoCloseable {
    static final File ROOT = projectRoot();

    final Path dir;
    final int port;

    private LocalCluster(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Starts a master and {@code workers} workers of one core each in {@code dir}, on a free port. */
    static LocalCluster start(Path dir, int workers) throws IOException, InterruptedException {
        return start(dir, workers, 1, 0);
    }

    /** Starts a master and {@code workers} workers of {@code cores} cores and {@code gpus} fake GPUs each. */
    static LocalCluster start(Path dir, int workers, int cores, int gpus) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        int port = freePortPair();
        LocalCluster c = new LocalCluster(dir, port);
        Cmd r = c.script("local-cluster", List.of("start", "--workers", String.valueOf(workers), "--cores",
                String.valueOf(cores), "--gpus", String.valueOf(gpus), "--memory", "5g", "--port",
                String.valueOf(port), "--dir", dir.toString()), dir.resolve("start.log"), Long.MAX_VALUE);
        if (r.exitCode() != 0) throw new IllegalStateException("local-cluster start failed:\n" + r.output());
        return c;
    }

    String master() {
        return "spark://127.0.0.1:" + port;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        script("local-cluster", List.of("stop", "--dir", dir.toString()), dir.resolve("stop.log"), Long.MAX_VALUE);
    }

    /** A finished command: its exit code and everything it printed. */
    record Cmd(int exitCode, String output) {}

    /** Runs {@code submit/ensemble args...} to the end (at most {@code seconds}). */
    Cmd ensemble(Path log, long seconds, String... args) throws IOException, InterruptedException {
        return script("ensemble", List.of(args), log, seconds);
    }

    /** Starts {@code submit/ensemble args...} and returns at once; its output goes to {@code log}. */
    static Process launch(Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(new File(ROOT, "submit/ensemble").getPath()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).directory(ROOT).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
    }

    private Cmd script(String name, List<String> args, Path log, long seconds) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(new File(ROOT, "submit/" + name).getPath()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).directory(ROOT).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new IllegalStateException(name + " " + args + " did not finish in " + seconds + " s; see " + log);
        }
        return new Cmd(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    /** The executor JVMs of this cluster (their classpath is this cluster's SPARK_HOME/jars). */
    List<ProcessHandle> executors() {
        String home = dir.resolve("spark-home").toString();
        return ProcessHandle.allProcesses().filter(h -> {
            String line = commandLine(h);
            return line.contains("CoarseGrainedExecutorBackend") && line.contains(home);
        }).toList();
    }

    /** The Spark driver a launched {@code submit/ensemble} started (its SparkSubmit JVM). */
    static Optional<ProcessHandle> driverOf(Process launcher) {
        return launcher.descendants().filter(h -> commandLine(h).contains("org.apache.spark.deploy.SparkSubmit"))
                .findFirst();
    }

    /** The whole command line from /proc (ProcessHandle.Info cuts long ones, such as a driver's classpath). */
    static String commandLine(ProcessHandle h) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", String.valueOf(h.pid()), "cmdline")),
                    StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException | RuntimeException gone) {
            return "";
        }
    }

    /** Waits until {@code file} exists; false after {@code seconds}. */
    static boolean await(Path file, long seconds) throws InterruptedException {
        return within(seconds, () -> Files.exists(file));
    }

    /** Waits, up to a bound only a broken run reaches, until {@code done} holds. */
    static boolean within(long seconds, java.util.function.BooleanSupplier done) throws InterruptedException {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) return false;
            Thread.sleep(100);
        }
        return true;
    }

    /**
     * {@code args} with the file barrier of debug.hold-members: the first attempt of each of
     * {@code members} (a HOCON list of indices) waits after its epoch-1 checkpoint until {@link #release}.
     */
    static String[] holding(String[] args, Path barrier, String members) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--set", "debug.hold-members=" + members, "--set", "debug.hold-after-epoch=1",
                "--set", "debug.hold-dir=" + barrier.toUri()));
        return a.toArray(String[]::new);
    }

    /** Lets every held member of {@code ids} go on (and passes a later run through at once). */
    static void release(Path barrier, String... ids) throws IOException {
        for (String id : ids) Files.writeString(barrier.resolve(id + ".release"), "go\n");
    }

    /** A port P with P + 1000 (the master's web UI) free too, on loopback. */
    private static int freePortPair() throws IOException {
        InetAddress lo = InetAddress.getLoopbackAddress();
        for (int attempt = 0; attempt < 50; attempt++) {
            int p;
            try (ServerSocket s = new ServerSocket(0, 1, lo)) {
                p = s.getLocalPort();
            }
            if (p >= 64536) continue;
            try (ServerSocket a = new ServerSocket(p, 1, lo); ServerSocket b = new ServerSocket(p + 1000, 1, lo)) {
                return p;
            } catch (IOException busy) {
                // try another
            }
        }
        throw new IOException("no free pair of ports on loopback");
    }

    private static File projectRoot() {
        File f = new File(System.getProperty("user.dir")).getAbsoluteFile();
        while (f != null && !new File(f, "submit/local-cluster").isFile()) f = f.getParentFile();
        if (f == null) throw new IllegalStateException("cannot find the project root above " + System.getProperty("user.dir"));
        return f;
    }
}

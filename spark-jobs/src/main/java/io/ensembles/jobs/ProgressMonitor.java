package io.ensembles.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.Json;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shows the members' progress on the driver while their tasks run, wherever the executors are:
 * tasks write a small progress file next to their checkpoints and this thread reads them. On a
 * terminal it keeps one live line per member (epoch, iteration, loss, rate, ETA), redrawn in
 * place; otherwise (a log file, CI) it logs a plain line whenever a member's progress changes.
 */
final class ProgressMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("io.ensembles.progress");
    /** Set (to "false") to force plain lines on a terminal. */
    static final String LIVE_PROPERTY = "ensembles.progress.live";

    private final Thread thread;
    private final EnsembleLayout layout;
    private final Map<String, Member> members = new LinkedHashMap<>();
    private final Live live;
    private volatile boolean running = true;

    ProgressMonitor(EnsembleLayout layout, List<String> memberIds, long periodMillis) {
        this(layout, memberIds, periodMillis, liveByDefault() ? new Live(System.err) : null);
    }

    ProgressMonitor(EnsembleLayout layout, List<String> memberIds, long periodMillis, Live live) {
        for (String id : memberIds) members.put(id, new Member(id));
        this.layout = layout;
        this.live = live;
        thread = new Thread(() -> {
            while (running) {
                poll(layout);
                try {
                    Thread.sleep(periodMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "member-progress");
        thread.setDaemon(true);
        thread.start();
    }

    /** A live display needs a terminal (not a pipe or a file), one that understands cursor movement. */
    static boolean liveByDefault() {
        return System.console() != null && !"dumb".equals(System.getenv("TERM")) && System.getenv("TERM") != null
                && !"false".equals(System.getProperty(LIVE_PROPERTY));
    }

    private void poll(EnsembleLayout layout) {
        boolean changed = false;
        long now = System.nanoTime();
        for (Member m : members.values()) {
            try {
                String uri = layout.progress(m.id);
                if (!Fs.exists(uri)) continue;
                JsonNode p = Json.MAPPER.readTree(Fs.readString(uri));
                String line = describe(m.id, p);
                if (line.equals(m.lastLine)) continue;
                m.update(p, now);
                m.lastLine = line;
                changed = true;
                if (live == null) LOG.info(line);
            } catch (Exception e) {
                // a file being replaced right now; the next round reads it
            }
        }
        if (live != null && changed) live.draw(members.values().stream().map(m -> m.liveLine(now)).toList());
    }

    static String describe(String id, JsonNode p) {
        String state = p.path("state").asText();
        return switch (state) {
            case "training" -> String.format("member %s: epoch %d/%d iteration %d loss %.4f (+ weight decay %.4f) lr %.5f",
                    id, p.path("epoch").asInt(), p.path("epochs").asInt(), p.path("iteration").asLong(),
                    p.path("loss").asDouble(), p.path("penalty").asDouble(), p.path("learningRate").asDouble());
            case "epoch-done" -> String.format("member %s: finished epoch %d/%d, train loss %.4f (+ weight decay %.4f), "
                            + "validation accuracy %.4f",
                    id, p.path("epoch").asInt(), p.path("epochs").asInt(), p.path("loss").asDouble(),
                    p.path("penalty").asDouble(), p.path("validationAccuracy").asDouble());
            default -> "member " + id + ": " + state;
        };
    }

    /**
     * One member as the monitor has seen it. Its ETA comes from its own pace: the share of its epochs
     * done (iterations per epoch are learnt from its first finished epoch) against the time since it
     * was first seen training.
     */
    static final class Member {
        final String id;
        String lastLine;
        String state = "waiting";
        int epoch;
        int epochs;
        long iteration;
        double loss;
        double learningRate;
        double validationAccuracy = Double.NaN;
        long iterationsPerEpoch;
        long firstSeen = -1;
        long firstIteration;

        Member(String id) {
            this.id = id;
        }

        void update(JsonNode p, long now) {
            state = p.path("state").asText();
            epoch = p.path("epoch").asInt();
            epochs = p.path("epochs").asInt();
            if (state.equals("training")) {
                iteration = p.path("iteration").asLong();
                loss = p.path("loss").asDouble();
                learningRate = p.path("learningRate").asDouble();
                if (firstSeen < 0) {
                    firstSeen = now;
                    firstIteration = iteration;
                }
            } else if (state.equals("epoch-done")) {
                validationAccuracy = p.path("validationAccuracy").asDouble();
                // the last reported iteration is within training.log-every-iterations of the epoch's
                // end, so the estimate sharpens with every epoch
                if (epoch > 0 && iteration > 0) iterationsPerEpoch = Math.round((iteration + 1) / (double) epoch);
            }
        }

        /** The share of the member's training done, or NaN while it is not known. */
        double done() {
            if (epochs <= 0) return Double.NaN;
            if (state.equals("epoch-done")) return epoch / (double) epochs;
            if (iterationsPerEpoch <= 0) return Double.NaN;
            return Math.min(1.0, (iteration + 1) / (double) (iterationsPerEpoch * epochs));
        }

        /** Seconds left at the pace since it was first seen, or NaN. */
        double etaSeconds(long now) {
            double f = done();
            if (firstSeen < 0 || Double.isNaN(f) || iterationsPerEpoch <= 0) return Double.NaN;
            double start = firstIteration / (double) (iterationsPerEpoch * epochs); // resumed runs start part-way
            double progressed = f - start;
            if (progressed <= 0) return Double.NaN;
            return (now - firstSeen) / 1e9 * (1 - f) / progressed;
        }

        String liveLine(long now) {
            if (state.equals("waiting")) return String.format("%-6s waiting for a task slot", id);
            double eta = etaSeconds(now);
            String etaText = Double.isNaN(eta) ? "ETA after epoch 1" : "ETA " + clock(eta);
            String acc = Double.isNaN(validationAccuracy) ? "" : String.format("  val acc %.4f", validationAccuracy);
            if (state.equals("epoch-done") && epoch == epochs) {
                return String.format("%-6s epoch %d/%d done%s", id, epoch, epochs, acc);
            }
            return String.format("%-6s epoch %d/%d  iteration %-7d loss %.4f  lr %.5f%s  %s", id, epoch, epochs,
                    iteration, loss, learningRate, acc, etaText);
        }

        static String clock(double seconds) {
            long s = Math.round(seconds);
            return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                    : String.format("%d:%02d", s / 60, s % 60);
        }
    }

    /** A block of lines redrawn in place with ANSI cursor movement. */
    static final class Live {
        private final PrintStream out;
        private int drawn;

        Live(PrintStream out) {
            this.out = out;
        }

        synchronized void draw(List<String> lines) {
            StringBuilder sb = new StringBuilder();
            if (drawn > 0) sb.append("\u001b[").append(drawn).append('A'); // back to the block's first line
            for (String l : lines) sb.append('\r').append("\u001b[2K").append(l).append('\n');
            out.print(sb);
            out.flush();
            drawn = lines.size();
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        poll(layout); // the members' last state, which the thread may not have seen
    }
}

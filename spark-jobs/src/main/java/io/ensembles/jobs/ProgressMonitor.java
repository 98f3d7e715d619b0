package io.ensembles.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.store.Fs;
import io.ensembles.store.Json;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs the members' progress on the driver while their tasks run, wherever the executors are:
 * tasks write a small progress file next to their checkpoints and this thread reads them.
 */
final class ProgressMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("io.ensembles.progress");

    private final Thread thread;
    private volatile boolean running = true;

    ProgressMonitor(EnsembleLayout layout, List<String> memberIds, long periodMillis) {
        Map<String, String> last = new HashMap<>();
        thread = new Thread(() -> {
            while (running) {
                for (String id : memberIds) {
                    try {
                        String uri = layout.progress(id);
                        if (!Fs.exists(uri)) continue;
                        JsonNode p = Json.MAPPER.readTree(Fs.readString(uri));
                        String line = describe(id, p);
                        if (!line.equals(last.get(id))) {
                            LOG.info(line);
                            last.put(id, line);
                        }
                    } catch (Exception e) {
                        // a file being replaced right now; the next round reads it
                    }
                }
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

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}

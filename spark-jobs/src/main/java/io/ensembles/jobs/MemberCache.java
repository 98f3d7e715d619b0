package io.ensembles.jobs;

import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.MemberRecord;
import io.ensembles.store.VerifiedModels;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The members an executor has loaded, kept for every task it runs: a member's file is read and
 * its SHA-256 verified once per executor, not once per task or record. A network is not safe to
 * use from two threads, so each task leases its own copy: the loaded one, or a clone of it when
 * another task on the executor holds that (clones are made in memory, the file is not read again).
 * <p>
 * An entry is keyed by the file's URI, the manifest's SHA-256 and the file's length and
 * modification time: a file changed after it was cached is loaded and verified again (and fails
 * verification if it no longer matches the manifest). The least recently used entries are dropped
 * beyond {@value #CAPACITY} members.
 */
final class MemberCache {
    private static final Logger LOG = LoggerFactory.getLogger(MemberCache.class);
    static final int CAPACITY = 64;

    private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
            return size() > CAPACITY;
        }
    };
    private static final AtomicInteger LOADS = new AtomicInteger();

    private MemberCache() {}

    private record Entry(ConcurrentLinkedQueue<ComputationGraph> idle, ComputationGraph prototype) {}

    /** A network of a member for the caller's use alone, until {@link Lease#close}. */
    record Lease(ComputationGraph net, boolean fresh, ConcurrentLinkedQueue<ComputationGraph> home)
            implements AutoCloseable {
        @Override
        public void close() {
            home.offer(net);
        }
    }

    static Lease lease(EnsembleLayout layout, MemberRecord r) throws IOException {
        String uri = layout.resolve(r.path());
        if (!Fs.exists(uri)) VerifiedModels.verify(layout, r); // throws the integrity error naming the member
        Path p = Fs.path(uri);
        FileStatus st = Fs.fs(p).getFileStatus(p);
        String key = uri + "|" + r.sha256() + "|" + st.getLen() + "|" + st.getModificationTime();
        Entry e;
        synchronized (ENTRIES) {
            e = ENTRIES.get(key);
        }
        ComputationGraph loaded = null;
        if (e == null) {
            // loads are rare (once per member and executor): one at a time keeps two tasks from reading the same file
            synchronized (MemberCache.class) {
                synchronized (ENTRIES) {
                    e = ENTRIES.get(key);
                }
                if (e == null) {
                    long t0 = System.nanoTime();
                    ComputationGraph net = VerifiedModels.loadVerified(layout, r);
                    LOADS.incrementAndGet();
                    LOG.info("member {}: loaded and verified {} in {} ms (cached for this executor)", r.id(), uri,
                            (System.nanoTime() - t0) / 1_000_000);
                    e = new Entry(new ConcurrentLinkedQueue<>(), net);
                    loaded = net;
                    synchronized (ENTRIES) {
                        ENTRIES.put(key, e);
                    }
                }
            }
        }
        if (loaded != null) return new Lease(loaded, true, e.idle());
        ComputationGraph net = e.idle().poll();
        boolean fresh = false;
        if (net == null) {
            net = e.prototype().clone();
            fresh = true;
        }
        return new Lease(net, fresh, e.idle());
    }

    /** How many member files this JVM has loaded and verified (for tests: local mode runs the executor here). */
    static int loads() {
        return LOADS.get();
    }
}

package org.sparkddp.ml;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.sparkddp.driver.output.ModelArchive;

/**
 * The networks {@code transform} scores with, built once per executor JVM and task slot instead of once per
 * partition. Runs on the executors (and on the driver in local mode, which is one JVM).
 *
 * <p>A DL4J network is not safe for concurrent {@code output} calls (it keeps its activations in fields), so two
 * tasks of one executor never share one: each model has a pool of idle networks, a task borrows one for a batch
 * and gives it back, and a network is built only when every built one is busy. So an executor builds at most as
 * many as it runs tasks at once. NOTE: a pool rather than one synchronized network, because with one ND4J thread
 * per task (spark-ddp's setting) the tasks of an executor would otherwise wait for each other's forward passes:
 * measured with two threads each scoring 200 batches of 512 rows on the 784-256-128-10 MLP, on 2 busy cores, a
 * network each took 1.37-1.60 s, one synchronized network 2.16-2.45 s.
 *
 * <p>Models are keyed by their uid and a digest of their bytes, so a later {@code transform} of the same model,
 * and every micro-batch of a streaming query, reuses them; the {@value #MODELS} most recently used models are kept,
 * older ones dropped for the GC.
 */
final class ExecutorNetworks {
    /** Models kept per JVM: a pipeline rarely scores with more at once, and each holds its parameters. */
    static final int MODELS = 4;
    private static final Map<String, Deque<ModelArchive.Restored>> IDLE = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Deque<ModelArchive.Restored>> eldest) {
            return size() > MODELS;
        }
    };
    /** Networks built in this JVM so far, for tests. */
    private static final AtomicLong BUILDS = new AtomicLong();

    private ExecutorNetworks() {
    }

    /** An idle network of model {@code key}, or a new one from {@code build}; give it back with {@link #release}. */
    static ModelArchive.Restored borrow(String key, Supplier<ModelArchive.Restored> build) {
        synchronized (IDLE) {
            ModelArchive.Restored idle = IDLE.computeIfAbsent(key, k -> new ArrayDeque<>()).pollFirst();
            if (idle != null) {
                return idle;
            }
        }
        BUILDS.incrementAndGet();
        return build.get(); // outside the lock: restoring a large model takes a while
    }

    /** Makes {@code network} available to the next task of this JVM. */
    static void release(String key, ModelArchive.Restored network) {
        synchronized (IDLE) {
            IDLE.computeIfAbsent(key, k -> new ArrayDeque<>()).addFirst(network);
        }
    }

    /** Networks built in this JVM since it started. */
    static long builds() {
        return BUILDS.get();
    }

    /** The key of a model: its uid and a digest of its bytes (a uid alone may be reused with other parameters). */
    static String key(String uid, byte[] modelZip) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(modelZip);
            return uid + "/" + java.util.HexFormat.of().formatHex(digest, 0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}

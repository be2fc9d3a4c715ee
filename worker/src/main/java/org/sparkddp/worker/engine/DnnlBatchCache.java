package org.sparkddp.worker.engine;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * One oneDNN op's primitives for each batch size it has seen (an epoch's last batch may be smaller), built on first
 * use on the JVM's engine and kept, each with the {@link DnnlResources} that frees them. Runs on an executor.
 *
 * <p>Why the primitives are kept when another task thread calls: the engine is the JVM's ({@link Dnnl}), so a
 * primitive runs on any thread's stream; and each has its own scratchpad ({@link DnnlResources#attr}), so it may be
 * freed on any thread too.
 *
 * @param <P> what the op builds for one batch size
 */
final class DnnlBatchCache<P> implements AutoCloseable {
    private record Entry<P>(DnnlResources resources, P primitives) {
    }

    /** Builds a batch size's primitives, registering every native object with the given resources. */
    private final BiFunction<DnnlResources, Integer, P> build;
    private final Map<Integer, Entry<P>> byBatch = new HashMap<>();
    /** The op, for messages (asked when a batch size is first built, after the op's constructor). */
    private final Supplier<String> what;

    DnnlBatchCache(Supplier<String> what, BiFunction<DnnlResources, Integer, P> build) {
        this.what = what;
        this.build = build;
    }

    /** Batch size {@code n}'s primitives. */
    P get(int n) {
        Entry<P> e = byBatch.get(n);
        if (e != null) {
            return e.primitives;
        }
        DnnlResources resources = new DnnlResources(Dnnl.forThread().cpu, what.get());
        P built;
        try {
            built = build.apply(resources, n);
        } catch (RuntimeException failed) {
            resources.close(); // what was made before the failure
            throw failed;
        }
        byBatch.put(n, new Entry<>(resources, built));
        return built;
    }

    @Override
    public void close() {
        for (Entry<P> e : byBatch.values()) {
            e.resources.close();
        }
        byBatch.clear();
    }
}

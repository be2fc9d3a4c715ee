package org.sparkddp.worker.engine;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.global.dnnl;

/**
 * oneDNN (through {@code org.bytedeco:dnnl}) for the engine's image layers on a CPU: whether it loaded, and the CPU
 * engine and stream every primitive runs on. Runs on an executor.
 *
 * <p>Why one engine and one stream per thread: a primitive executes on the stream of the task thread that calls it,
 * so two ranks in one JVM (local[N], or an executor with several cores) never share a stream. oneDNN's own threads
 * come from its OpenMP runtime, which reads {@code OMP_NUM_THREADS}, the variable that also holds ND4J's OpenBLAS
 * to one thread per rank (executors get 1 unless the user sets it, see {@code SparkSetup}).
 *
 * <p>If the native library cannot load (another CPU architecture, a missing system library), {@link #available}
 * is false with its reason in {@link #unavailableBecause}, and the engine keeps its own Java kernels.
 */
final class Dnnl {
    private static final String UNAVAILABLE = probe();

    private static final ThreadLocal<Dnnl> PER_THREAD = ThreadLocal.withInitial(Dnnl::new);

    final engine cpu;
    final stream stream;

    private Dnnl() {
        this.cpu = new engine(engine.kind.cpu, 0);
        this.stream = new stream(cpu);
    }

    /** The calling thread's engine and stream (created on first use; they live as long as the thread). */
    static Dnnl forThread() {
        if (UNAVAILABLE != null) {
            throw new IllegalStateException("oneDNN is not available: " + UNAVAILABLE);
        }
        return PER_THREAD.get();
    }

    static boolean available() {
        return UNAVAILABLE == null;
    }

    /** Why oneDNN did not load, in a phrase; null when it did. */
    static String unavailableBecause() {
        return UNAVAILABLE;
    }

    /** Loads the native library once per JVM; returns null, or why it failed. */
    private static String probe() {
        try {
            Loader.load(dnnl.class);
            return null;
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
            return "its native library did not load (" + e + ")";
        }
    }
}

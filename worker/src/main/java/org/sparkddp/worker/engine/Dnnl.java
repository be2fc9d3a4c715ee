package org.sparkddp.worker.engine;

import org.bytedeco.javacpp.Loader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.primitive_desc_base;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.global.dnnl;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * oneDNN (through {@code org.bytedeco:dnnl}) for the engine's image layers on a CPU: whether it loaded, and the CPU
 * engine and stream every primitive runs on. Runs on an executor.
 *
 * <p>Why one stream per thread: a primitive executes on the stream of the task thread that calls it, so two ranks in
 * one JVM (local[N], or an executor with several cores) never share a stream. Why one engine for the JVM: a
 * primitive belongs to the engine it was made on and runs on any stream of that engine, so a replica that the next
 * stage trains on another task thread keeps its primitives; and the engine must outlive every stream and primitive
 * made on it, while a thread's stream is freed by the garbage collector some time after the thread ends (executors'
 * task threads end after a minute idle). A per-thread engine freed that way under a live stream corrupted the heap
 * (seen in a test that trained one replica from two threads). oneDNN's own threads
 * come from its OpenMP runtime, which reads {@code OMP_NUM_THREADS}, the variable that also holds ND4J's OpenBLAS
 * to one thread per rank (executors get 1 unless the user sets it, see {@code SparkSetup}).
 *
 * <p>If the native library cannot load (another CPU architecture, a missing system library), {@link #available}
 * is false with its reason in {@link #unavailableBecause}, and the engine keeps its own Java kernels.
 */
final class Dnnl {
    private static final Logger LOG = LoggerFactory.getLogger(Dnnl.class);
    /** Kernel lines already logged (see {@link #sayKernels}). */
    private static final Set<String> SAID = ConcurrentHashMap.newKeySet();
    private static final String UNAVAILABLE = probe();

    /** The JVM's CPU engine, made on first use and never freed. */
    private static engine shared;

    private static final ThreadLocal<Dnnl> PER_THREAD = ThreadLocal.withInitial(Dnnl::new);

    final engine cpu;
    final stream stream;

    private Dnnl() {
        this.cpu = sharedEngine();
        this.stream = new stream(cpu);
        holdOpenMpToTheEnvironment();
    }

    /**
     * Sets this thread's OpenMP thread count to {@code OMP_NUM_THREADS} where that is set. Why: ND4J's
     * initialization sets the count of the thread that initializes it to its own choice (4 on a 2-core VM with
     * {@code OMP_NUM_THREADS=1}, measured), and oneDNN shares that OpenMP runtime, so a task thread that happened to
     * initialize ND4J ran oneDNN's primitives on 4 threads (2.6 times the thread's CPU time in the process).
     */
    private static void holdOpenMpToTheEnvironment() {
        String value = System.getenv("OMP_NUM_THREADS");
        int threads;
        try {
            threads = value == null ? 0 : Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return; // OpenMP itself reads what it can of it
        }
        NativeOps ops = NativeOpsHolder.getInstance().getDeviceNativeOps();
        if (threads > 0 && ops.ompGetMaxThreads() != threads) {
            ops.setOmpNumThreads(threads);
        }
    }

    private static synchronized engine sharedEngine() {
        if (shared == null) {
            shared = new engine(engine.kind.cpu, 0);
        }
        return shared;
    }

    /** The JVM's engine and the calling thread's stream (created on first use; it lives as long as the thread). */
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

    /**
     * Logs, once per JVM and layer shape, which of oneDNN's implementations a layer's primitives run (e.g.
     * {@code gemm:jit}): oneDNN picks them by CPU and shape, and its reference kernels are far slower.
     */
    static void sayKernels(String what, primitive_desc_base... pds) {
        StringBuilder line = new StringBuilder();
        for (primitive_desc_base pd : pds) {
            line.append(line.length() == 0 ? "" : ", ").append(pd.impl_info_str().getString());
        }
        if (SAID.add(what + line)) {
            LOG.info("oneDNN runs {}: {}", what, line);
        }
    }
}

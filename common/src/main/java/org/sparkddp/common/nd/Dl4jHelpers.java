package org.sparkddp.common.nd;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns on DL4J's layer helpers for convolution, batch norm and pooling on the CPU backend, in every JVM that builds
 * networks (driver and executors; called from {@code NetworkFactory}).
 *
 * <p>Why: DL4J 1.0.0-M2 never creates them by itself, for two reasons. {@code HelperUtils} reads the system property
 * {@value #DISABLE_PROPERTY} with a default of {@code true}, so helpers are off unless it is set to {@code false};
 * and {@code BaseMKLDNNHelper} asks the class {@code org.nd4j.nativeblas.Nd4jCpu$Environment}, which ND4J M2 moved,
 * so its check fails (see {@link org.nd4j.nativeblas.Nd4jCpu}, which restores that name). Without the helpers DL4J's
 * convolution runs its own im2col call, whose strided fill of the column buffer was half of the shipped CNN's step
 * when profiled. The helpers instead call libnd4j's conv2d, batchnorm and pooling ops: oneDNN's kernels on an
 * nd4j-native build with oneDNN ({@code HAVE_ONEDNN}: the {@code linux-x86_64-onednn*} classifiers), libnd4j's own
 * ops on the plain build.
 *
 * <p>Measured 2026-11-28, shipped CNN, batch 128, OMP_NUM_THREADS=1, CPU ms per step of the whole process
 * (StepProfile): plain build 1080-1140 without helpers, 920-950 with; {@code linux-x86_64-onednn} build 390-430 with
 * (of which 170-220 on the training thread: oneDNN ran pooling and batch norm on 3 more OpenMP threads), 330 when
 * libnd4j's OpenMP was pinned to one thread ({@code NativeOps.setOmpNumThreads(1)}). Gradients with and without
 * helpers agreed to 2.8e-6 relative (L2) on both builds. Dense layers have no helper: the MLP is unchanged.
 */
public final class Dl4jHelpers {
    /** DL4J M2's switch; a value the user set (for example {@code -D...=true} to rule the helpers out) wins. */
    public static final String DISABLE_PROPERTY = "org.eclipse.deeplearning4j.helpers.disable";

    private static final Logger LOG = LoggerFactory.getLogger(Dl4jHelpers.class);
    private static volatile boolean done;

    private Dl4jHelpers() {
    }

    /** Once per JVM, before any layer exists: DL4J decides at layer creation whether a layer gets a helper. */
    public static synchronized void enable() {
        if (done) {
            return;
        }
        done = true;
        String backend = Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend");
        if (!"CPU".equalsIgnoreCase(backend)) {
            return; // on CUDA the same switch would bring in cuDNN helpers: not measured, left as DL4J ships it
        }
        if (System.getProperty(DISABLE_PROPERTY) != null) {
            LOG.debug("DL4J layer helpers: {}={} as set by the user", DISABLE_PROPERTY,
                    System.getProperty(DISABLE_PROPERTY));
            return;
        }
        System.setProperty(DISABLE_PROPERTY, "false");
        LOG.debug(hasOneDnn()
                ? "DL4J layer helpers on: conv, batch norm and pooling run oneDNN (nd4j-native built with HAVE_ONEDNN)"
                : "DL4J layer helpers on: conv, batch norm and pooling run libnd4j's own ops (this nd4j-native build "
                        + "has no oneDNN; the linux-x86_64-onednn classifiers have it)");
    }

    /** Whether DL4J may give layers their helpers: ND4J's own switch, {@code Nd4j.getEnvironment().allowHelpers}. */
    public static boolean helpersAllowed() {
        return Nd4j.getEnvironment().helpersAllowed();
    }

    /** Whether the loaded libnd4j was built with oneDNN. */
    public static boolean hasOneDnn() {
        return BuildHolder.ONEDNN;
    }

    /** The loaded libnd4j's build flags, read once (DL4J may ask for every layer it creates). */
    private static final class BuildHolder {
        static final boolean ONEDNN = buildInfo().contains("HAVE_ONEDNN");

        private static String buildInfo() {
            Nd4j.getExecutioner(); // loads the backend first: NativeOpsHolder fails before it is loaded
            return NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo();
        }
    }
}

package org.sparkddp.common.nd;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns on DL4J's oneDNN layer helpers (convolution, batch norm, pooling) on the CPU backend, in every JVM that
 * builds networks (driver and executors; called from {@code NetworkFactory}).
 *
 * <p>Why: DL4J 1.0.0-M2 never creates them by itself, for two reasons. {@code HelperUtils} reads the system property
 * {@value #DISABLE_PROPERTY} with a default of {@code true}, so helpers are off unless it is set to {@code false};
 * and {@code BaseMKLDNNHelper} asks the class {@code org.nd4j.nativeblas.Nd4jCpu$Environment}, which ND4J M2 moved,
 * so the check fails (see {@link org.nd4j.nativeblas.Nd4jCpu}, which restores that name). Without them DL4J's
 * convolution runs through libnd4j's im2col, whose strided fill of the column buffer was half of the shipped CNN's
 * step when profiled (2026-11-28, one core): the CNN step took 1,020 ms of CPU without helpers and 190 ms with them,
 * on the {@code linux-x86_64-onednn-avx2} build of nd4j-native; gradients agreed to 2.5e-6 relative.
 *
 * <p>The helpers need an nd4j-native build with oneDNN ({@code HAVE_ONEDNN}: the {@code linux-x86_64-onednn*}
 * classifiers). With the plain {@code linux-x86_64} build this changes nothing: every layer keeps DL4J's own code.
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
            LOG.info("DL4J layer helpers: {}={} as set by the user", DISABLE_PROPERTY,
                    System.getProperty(DISABLE_PROPERTY));
            return;
        }
        System.setProperty(DISABLE_PROPERTY, "false");
        LOG.info(hasOneDnn()
                ? "DL4J layer helpers: oneDNN (nd4j-native built with HAVE_ONEDNN) for conv, batch norm and pooling"
                : "DL4J layer helpers: none, this nd4j-native build has no oneDNN (the linux-x86_64-onednn "
                        + "classifiers have it)");
    }

    /** Whether the loaded libnd4j was built with oneDNN and helpers are allowed (Nd4j.getEnvironment()). */
    public static boolean hasOneDnn() {
        return BuildHolder.ONEDNN && Nd4j.getEnvironment().helpersAllowed();
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

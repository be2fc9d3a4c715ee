package org.nd4j.nativeblas;

import org.sparkddp.common.nd.Dl4jHelpers;

/**
 * The class name DL4J 1.0.0-M2's {@code BaseMKLDNNHelper.mklDnnEnabled()} looks up, by reflection, to ask whether
 * oneDNN is in use. ND4J M2 moved its bindings to {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu}, so without
 * this class DL4J's oneDNN helpers never turn on (it logs "Cannot find class [org.nd4j.nativeblas.Nd4jCpu$Environment]"
 * and falls back). Only that one method is provided; nothing else calls this class. See {@link Dl4jHelpers}.
 */
public final class Nd4jCpu {
    private Nd4jCpu() {
    }

    /** The environment object DL4J asks; runs wherever DL4J creates a layer (driver or executor). */
    public static final class Environment {
        private static final Environment INSTANCE = new Environment();

        private Environment() {
        }

        public static Environment getInstance() {
            return INSTANCE;
        }

        /**
         * Whether ND4J allows helpers. NOTE: true on the plain build too, where the helpers' ops are libnd4j's own
         * (measured equal to DL4J's layers, and faster: see Dl4jHelpers).
         */
        public boolean isUseMKLDNN() {
            return Dl4jHelpers.helpersAllowed();
        }
    }
}

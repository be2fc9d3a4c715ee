package org.sparkddp.driver.train;

import org.sparkddp.common.config.TrainingConfig;
import org.sparkddp.worker.collective.WireSecret;

/** The secret that authenticates one run's collective and rendezvous connections. Made on the driver. */
final class RunSecret {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RunSecret.class);

    private RunSecret() {
    }

    /**
     * A fresh random secret for this run; its frames are encrypted when training.wire-crypto or Spark's own
     * spark.network.crypto.enabled asks for it.
     */
    static WireSecret of(org.apache.spark.SparkConf conf, TrainingConfig training) {
        byte[] bytes = new byte[32];
        new java.security.SecureRandom().nextBytes(bytes);
        boolean crypto = training.wireCrypto() || conf.getBoolean("spark.network.crypto.enabled", false);
        // DEBUG, once per run: says how the collective is protected, never with what.
        LOG.debug("collective: connections authenticated by challenge-response; frames {}", crypto
                ? "encrypted and authenticated with AES-GCM (" + (training.wireCrypto() ? "training.wire-crypto"
                        : "spark.network.crypto.enabled") + ")" : "checked with CRC-32C, not encrypted");
        return new WireSecret(java.util.HexFormat.of().formatHex(bytes), crypto);
    }
}

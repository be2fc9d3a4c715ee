package org.sparkddp.driver.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.TrainingConfig;
import org.sparkddp.worker.collective.WireSecret;

/** The run's secret: fresh every run, encrypted frames when either switch asks, and never in its own text. */
class RunSecretTest {
    private static TrainingConfig training(String... overrides) {
        List<String> all = new java.util.ArrayList<>(List.of("data.train=a-images-idx3-ubyte",
                "data.test=b-images-idx3-ubyte", "output.dir=/tmp/x"));
        all.addAll(List.of(overrides));
        return ConfigLoader.load(null, all).config().training();
    }

    @Test
    void framesAreEncryptedWhenTrainingWireCryptoOrSparksNetworkCryptoAsks() {
        SparkConf plain = new SparkConf(false);
        SparkConf sparkCrypto = new SparkConf(false).set("spark.network.crypto.enabled", "true");
        assertFalse(RunSecret.of(plain, training()).encrypted());
        assertEquals(true, RunSecret.of(plain, training("training.wire-crypto=true")).encrypted());
        assertEquals(true, RunSecret.of(sparkCrypto, training()).encrypted());
    }

    @Test
    void everyRunDrawsItsOwnSecretAndNoneShowsInText() {
        WireSecret a = RunSecret.of(new SparkConf(false), training());
        WireSecret b = RunSecret.of(new SparkConf(false), training());
        assertNotEquals(a, b);
        assertEquals("WireSecret[redacted, CRC-32C frames]", a.toString());
    }
}

package org.sparkddp.driver.spark;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.error.InvalidConfigException;

class SparkSetupTest {
    @AfterEach
    void clearSparkSubmitProperties() {
        System.clearProperty("spark.master");
        System.clearProperty("spark.executor.memory");
        System.clearProperty("spark.kryo.registrator");
    }

    private static SparkDdpConfig config(String... overrides) {
        List<String> all = new ArrayList<>(List.of("data.train=a-images-idx3-ubyte", "data.test=b-images-idx3-ubyte",
                "output.dir=/tmp/x"));
        all.addAll(List.of(overrides));
        return ConfigLoader.load(null, all).config();
    }

    @Test
    void defaultsYieldToSparkSubmitButExplicitSettingsWin() {
        System.setProperty("spark.master", "spark://cluster:7077"); // what spark-submit --master does
        System.setProperty("spark.executor.memory", "8g");
        SparkConf fromDefaults = SparkSetup.sparkConf(config());
        assertEquals("spark://cluster:7077", fromDefaults.get("spark.master"));
        SparkConf explicit = SparkSetup.sparkConf(config("spark.master=local[2]", "spark.executor.memory=2g"));
        assertEquals("local[2]", explicit.get("spark.master"));
        assertEquals("2g", explicit.get("spark.executor.memory"));
    }

    @Test
    void withoutSparkSubmitTheDefaultMasterIsLocal() {
        assertEquals("local[*]", SparkSetup.sparkConf(config()).get("spark.master"));
    }

    @Test
    void kryoAndOurRegistratorAreAlwaysOnAndAppendedToTheUsers() {
        System.setProperty("spark.kryo.registrator", "com.example.Theirs");
        SparkConf conf = SparkSetup.sparkConf(config());
        assertEquals("org.apache.spark.serializer.KryoSerializer", conf.get("spark.serializer"));
        assertEquals("com.example.Theirs,org.sparkddp.common.wire.WireKryoRegistrator", conf.get("spark.kryo.registrator"));
        assertEquals("true", conf.get("spark.kryo.registrationRequired"));
        assertEquals("1", conf.get("spark.executorEnv.OMP_NUM_THREADS"));
    }

    @Test
    void onAClusterAKilledTaskThatDoesNotStopCostsItsExecutorButNeverTheLocalDriver() {
        System.setProperty("spark.master", "spark://cluster:7077");
        SparkConf cluster = SparkSetup.sparkConf(config("training.sync-timeout=90s"));
        assertEquals("true", cluster.get("spark.task.reaper.enabled"));
        assertEquals("180s", cluster.get("spark.task.reaper.killTimeout"));
        assertEquals("60s", SparkSetup.sparkConf(config("training.sync-timeout=5s")).get("spark.task.reaper.killTimeout"));
        System.clearProperty("spark.master");
        SparkConf local = SparkSetup.sparkConf(config("spark.master=local[2]"));
        assertEquals(false, local.contains("spark.task.reaper.enabled"));
        assertEquals(false, local.contains("spark.task.reaper.killTimeout"));
    }

    @Test
    void localModeListensOnTheLoopbackUnlessTheUserSaidOtherwise() {
        SparkConf local = SparkSetup.sparkConf(config("spark.master=local[2]"));
        assertEquals("127.0.0.1", local.get("spark.driver.host"));
        assertEquals("127.0.0.1", local.get("spark.driver.bindAddress"));

        SparkConf own = SparkSetup.sparkConf(config("spark.master=local[2]", "spark.driver.host=10.1.2.3"));
        assertEquals("10.1.2.3", own.get("spark.driver.host"));
        assertEquals("10.1.2.3", own.get("spark.driver.bindAddress"));

        System.setProperty("spark.master", "spark://cluster:7077");
        SparkConf cluster = SparkSetup.sparkConf(config());
        assertEquals(false, cluster.contains("spark.driver.host"), "a cluster's executors must reach the driver");
        assertEquals(false, cluster.contains("spark.driver.bindAddress"));
    }

    @Test
    void withoutSparkLocalIpSparksUiWouldListenEverywhereSoLocalModeLeavesItOffUnlessAsked() {
        SparkConf bare = SparkSetup.withLoopback(new SparkConf(false).setMaster("local[2]"), null);
        assertEquals("false", bare.get("spark.ui.enabled"));
        SparkConf asked = SparkSetup.withLoopback(new SparkConf(false).setMaster("local[2]")
                .set("spark.ui.enabled", "true"), null);
        assertEquals("true", asked.get("spark.ui.enabled"));
        SparkConf loopbackUi = SparkSetup.withLoopback(new SparkConf(false).setMaster("local[2]"), "127.0.0.1");
        assertEquals(false, loopbackUi.contains("spark.ui.enabled"), "with SPARK_LOCAL_IP the UI binds there");
    }
}

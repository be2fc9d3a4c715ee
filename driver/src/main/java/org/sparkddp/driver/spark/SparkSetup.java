package org.sparkddp.driver.spark;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.wire.WireKryoRegistrator;

/**
 * Builds the SparkConf for a job. Runs on the driver, before the SparkContext exists.
 *
 * <p>Precedence: what the job's config file sets explicitly, then what spark-submit set, then defaults.conf,
 * then the trainer's own defaults below. Kryo with our registrator is not optional: the wire types rely on it.
 */
public final class SparkSetup {
    public static final String KRYO = "org.apache.spark.serializer.KryoSerializer";
    public static final String REGISTRATOR = WireKryoRegistrator.class.getName();
    static final String LOOPBACK = "127.0.0.1";

    private SparkSetup() {
    }

    public static SparkConf sparkConf(SparkDdpConfig config) {
        return sparkConf(config, config.data().format().readBySpark());
    }

    /**
     * @param sparkSql whether the command reads DataFrames through Spark SQL (its data, or predict's input), which
     *                 ships classes of its own through Kryo
     */
    public static SparkConf sparkConf(SparkDdpConfig config, boolean sparkSql) {
        // new SparkConf() picks up the spark.* system properties that spark-submit sets.
        SparkConf conf = new SparkConf();
        config.spark().explicit().forEach(conf::set);
        for (Map.Entry<String, String> e : config.spark().defaults().entrySet()) {
            conf.setIfMissing(e.getKey(), e.getValue());
        }
        conf.setIfMissing("spark.app.name", "spark-ddp");
        // Registration catches a wire type left out of our registrator. Spark SQL ships classes of its own (rows,
        // schemas, file splits) through Kryo that nobody registers, so a job that reads a DataFrame cannot require
        // it; our wire types are registered either way.
        conf.setIfMissing("spark.kryo.registrationRequired", String.valueOf(!sparkSql));
        return withTaskReaper(withTrainerSettings(conf), config.training().syncTimeout());
    }

    /**
     * On a cluster, Spark's task reaper: an executor whose killed task has not stopped within the kill timeout
     * exits, and the cluster manager replaces it, as it replaces a lost one.
     *
     * <p>Why: when a barrier stage fails (a peer's wait ran out at training.sync-timeout), Spark kills its other
     * tasks, interrupting them, and the driver resubmits the stage, which needs every task slot at once. A hung
     * task that ignores the kill (stuck in native code, or in a call that ignores interrupts) would keep its slot,
     * and the resubmitted stage would wait for it for ever. The timeout is twice sync-timeout, and at least 60 s,
     * because a task blocked in a ring read ends by itself at sync-timeout and should not cost its executor. Not in
     * local mode, where the executor is the driver (Spark itself never kills a local JVM for it).
     */
    static SparkConf withTaskReaper(SparkConf conf, java.time.Duration syncTimeout) {
        String master = conf.get("spark.master", "local");
        if (master.startsWith("local")) {
            return conf;
        }
        conf.setIfMissing("spark.task.reaper.enabled", "true");
        conf.setIfMissing("spark.task.reaper.killTimeout", Math.max(60, 2 * syncTimeout.toSeconds()) + "s");
        return conf;
    }

    /**
     * What the trainer needs of any Spark application it runs in, the Spark ML API's included: Kryo with our
     * registrator (the wire types rely on it), and the settings below where not set already.
     */
    public static SparkConf withTrainerSettings(SparkConf conf) {
        withLoopback(conf, System.getenv("SPARK_LOCAL_IP"));
        conf.set("spark.serializer", KRYO);
        String registrators = conf.get("spark.kryo.registrator", "");
        if (!registrators.contains(REGISTRATOR)) {
            conf.set("spark.kryo.registrator", registrators.isEmpty() ? REGISTRATOR : registrators + "," + REGISTRATOR);
        }
        // Kryo's largest single serialized object. NOTE: nothing model-sized may depend on it (it cannot pass
        // 2047m). Spark 3.5 streams task results in chunks, so rank 0's state in its task result is capped by
        // spark.driver.maxResultSize instead (SerializationLimitTest); a failure at either is not retried.
        conf.setIfMissing("spark.kryoserializer.buffer.max", "1g");
        // Rank 0's state comes back every stage; sent directly, it skips a block-manager round trip. Spark caps this
        // at spark.rpc.message.maxSize, so a small RPC limit still works (through the block manager).
        conf.setIfMissing("spark.task.maxDirectResultSize", "64m");
        // One ND4J thread per task: the cores are already shared out as task slots.
        conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", "1");
        // Heartbeats carry the progress accumulator to the console's progress line; Spark's 10 s default is longer
        // than an epoch of small jobs. A heartbeat is one small message per executor.
        conf.setIfMissing("spark.executor.heartbeatInterval", "2s");
        // A training stage needs all its slots at once. When an executor is lost, Spark checks every interval
        // (15 s by default) whether a replacement has registered, up to maxFailures (40) times; a 1 s interval
        // resumes the resubmitted stage about as soon as the replacement is up, and gives up after 40 s.
        conf.setIfMissing("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "1s");
        // Spark's stage progress bar would overwrite our own progress line.
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        return conf;
    }

    /**
     * Local mode listens on the loopback only: a single-machine job needs nothing else, and Spark's defaults would
     * open the driver's RPC, its block manager (and so the collective, which listens where the block manager is)
     * and its UI on the machine's network address. What the user set stays. Spark's UI binds where the
     * environment's SPARK_LOCAL_IP says, and to every interface without it, which no setting changes: without it
     * (deploy/spark-ddp sets it) the UI stays off in local mode unless spark.ui.enabled asks for it.
     */
    static SparkConf withLoopback(SparkConf conf, String sparkLocalIp) {
        if (!conf.get("spark.master", "local").startsWith("local")) {
            return conf;
        }
        conf.setIfMissing("spark.driver.host", LOOPBACK);
        conf.setIfMissing("spark.driver.bindAddress", conf.get("spark.driver.host"));
        if (sparkLocalIp == null || sparkLocalIp.isBlank()) {
            conf.setIfMissing("spark.ui.enabled", "false");
        }
        return conf;
    }

    /** The SQL session over a running context, for reading DataFrame sources. */
    public static org.apache.spark.sql.SparkSession session(org.apache.spark.api.java.JavaSparkContext sc) {
        return org.apache.spark.sql.SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
    }
}

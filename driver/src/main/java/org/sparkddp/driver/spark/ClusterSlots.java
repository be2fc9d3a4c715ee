package org.sparkddp.driver.spark;

import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.sparkddp.common.config.TrainingConfig;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * Task slots: how many tasks the cluster can run at once, which bounds the workers of a training stage (a barrier
 * stage runs all of them together). Runs on the driver.
 *
 * <p>Before Spark starts, {@link #check} fails at once when the master's settings already say the cluster can
 * never have enough slots (a local master's threads, {@code spark.cores.max}, a fixed executor count), instead of
 * letting Spark's barrier check retry for most of a minute. Once Spark runs, {@link #now} counts the slots of the
 * executors registered at that moment, which is what an elastic run sizes its stages to.
 */
public final class ClusterSlots {
    private static final Pattern LOCAL = Pattern.compile("^local(?:\\[(\\*|\\d+)(?:,\\d+)?])?$");
    private static final Pattern LOCAL_CLUSTER = Pattern.compile("^local-cluster\\[(\\d+),\\s*(\\d+),\\s*\\d+]$");

    private final SparkContext sc;

    public ClusterSlots(SparkContext sc) {
        this.sc = sc;
    }

    /**
     * Tasks the executors registered now can run at once: Spark's own count, the one its barrier check uses. Fails
     * when Spark has stopped (the application was killed): there is nothing left to wait for.
     */
    public int now() {
        if (sc.isStopped()) {
            throw new IllegalStateException("SparkContext was shut down while waiting for task slots");
        }
        return sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
    }

    /**
     * The most slots the cluster can ever give this job, where the settings say: a local master's threads; a
     * standalone master's {@code spark.cores.max} in whole executors; YARN's or Kubernetes'
     * {@code spark.executor.instances} without dynamic allocation. Empty where the cluster decides.
     */
    public static OptionalInt mostPossible(SparkConf conf) {
        String master = conf.get("spark.master", "").trim();
        int cpusPerTask = Math.max(1, conf.getInt("spark.task.cpus", 1));
        Matcher local = LOCAL.matcher(master);
        Matcher cluster = LOCAL_CLUSTER.matcher(master);
        long cores;
        if (local.matches()) {
            String n = local.group(1);
            cores = n == null ? 1 : n.equals("*") ? Runtime.getRuntime().availableProcessors() : Long.parseLong(n);
            return slots(cores / cpusPerTask);
        }
        if (cluster.matches()) {
            long executors = Long.parseLong(cluster.group(1));
            return slots(executors * (Long.parseLong(cluster.group(2)) / cpusPerTask));
        }
        if (master.startsWith("spark://") && conf.contains("spark.cores.max")) {
            long max = conf.getLong("spark.cores.max", 0);
            // Standalone starts whole executors of spark.executor.cores each (or one per worker, of all its cores).
            long perExecutor = conf.contains("spark.executor.cores") ? conf.getLong("spark.executor.cores", 1) : max;
            long executors = perExecutor == 0 ? 0 : max / perExecutor;
            return slots(executors * (perExecutor / cpusPerTask));
        }
        boolean fixedExecutors = (master.startsWith("yarn") || master.startsWith("k8s://"))
                && conf.contains("spark.executor.instances") && !conf.getBoolean("spark.dynamicAllocation.enabled", false);
        if (fixedExecutors) {
            long executors = conf.getLong("spark.executor.instances", 0);
            long perExecutor = conf.getLong("spark.executor.cores", 1);
            return slots(executors * (perExecutor / cpusPerTask));
        }
        return OptionalInt.empty();
    }

    /** A slot count as an int: a setting such as local[*] on a huge host never overflows it. */
    private static OptionalInt slots(long count) {
        return OptionalInt.of((int) Math.min(Integer.MAX_VALUE, count));
    }

    /**
     * Fails at once when the settings say the cluster can never run the workers training needs together:
     * {@code training.workers}, or {@code training.min-workers} for an elastic run.
     */
    public static void check(SparkConf conf, TrainingConfig training) {
        boolean elastic = training.elastic().enabled();
        check(conf, elastic ? training.elastic().minWorkers() : training.workers(),
                elastic ? "training.min-workers" : "training.workers");
    }

    /** As above, for {@code needed} workers named by {@code key}. */
    public static void check(SparkConf conf, int needed, String key) {
        OptionalInt most = mostPossible(conf);
        if (most.isEmpty() || needed <= most.getAsInt()) {
            return;
        }
        int slots = most.getAsInt();
        int cpusPerTask = Math.max(1, conf.getInt("spark.task.cpus", 1));
        String master = conf.get("spark.master", "").trim();
        String where = master.startsWith("local") ? "spark.master " + master
                : master.startsWith("spark://") ? "spark.cores.max=" + conf.get("spark.cores.max")
                + (conf.contains("spark.executor.cores") ? " with spark.executor.cores=" + conf.get("spark.executor.cores") : "")
                : "spark.executor.instances=" + conf.get("spark.executor.instances");
        throw new InvalidConfigException(key, "is " + needed + " but " + where
                + (cpusPerTask > 1 ? " with spark.task.cpus=" + cpusPerTask : "")
                + " runs only " + slots + " task" + (slots == 1 ? "" : "s") + " at once, and a training stage"
                + " runs all workers together");
    }
}

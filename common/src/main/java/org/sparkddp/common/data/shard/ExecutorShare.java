package org.sparkddp.common.data.shard;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;

/**
 * The default shard budget: half of this JVM's maximum heap, divided by its task slots
 * ({@code spark.executor.cores / spark.task.cpus}), since each slot may hold one worker's shard. Runs on an
 * executor (or the driver, in local mode, where the driver's JVM runs the tasks).
 */
final class ExecutorShare {
    private static final Pattern LOCAL = Pattern.compile("^local(?:\\[(\\*|\\d+)(?:,\\d+)?])?$");

    private ExecutorShare() {
    }

    static long bytes() {
        return Runtime.getRuntime().maxMemory() / 2 / slots();
    }

    static int slots() {
        SparkEnv env = SparkEnv.get();
        if (env == null) {
            return 1;
        }
        SparkConf conf = env.conf();
        int cpus = Math.max(1, conf.getInt("spark.task.cpus", 1));
        return Math.max(1, cores(conf) / cpus);
    }

    private static int cores(SparkConf conf) {
        if (conf.contains("spark.executor.cores")) {
            return conf.getInt("spark.executor.cores", 1);
        }
        Matcher local = LOCAL.matcher(conf.get("spark.master", "").trim());
        if (local.matches()) {
            String n = local.group(1);
            return n == null ? 1 : n.equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(n);
        }
        // Standalone's default: an executor takes all the cores of its worker.
        return Runtime.getRuntime().availableProcessors();
    }
}

package org.sparkddp.driver.spark;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.bytedeco.javacpp.Pointer;
import org.sparkddp.common.config.TrainingConfig;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.common.model.ModelSize;

/**
 * Holds the model's native memory need ({@link ModelMemory}) against what the executors are given, before Spark
 * runs a job, and where the user left ND4J's limit unset for the executors, sizes it from the model. Runs on the
 * driver, before the SparkContext starts: the executors' JVM options are fixed when they launch.
 *
 * <p>What the executors are given: in local mode the driver's own JVM runs every task, so its JavaCPP limit
 * ({@link Pointer#maxBytes}, from {@code -Dorg.bytedeco.javacpp.maxbytes} or, unset, the heap's size); on a
 * cluster, {@code -Dorg.bytedeco.javacpp.maxbytes} in {@code spark.executor.extraJavaOptions}, and the container
 * room for it, {@code spark.executor.memoryOverhead}, where set.
 */
public final class ExecutorMemory {
    static final String MAXBYTES = "org.bytedeco.javacpp.maxbytes";
    static final String MAXPHYSICAL = "org.bytedeco.javacpp.maxphysicalbytes";
    static final String OPTIONS = "spark.executor.extraJavaOptions";
    static final String OVERHEAD = "spark.executor.memoryOverhead";
    /** Room for the JVM's own native memory besides ND4J's, as deploy/submit allows. */
    static final long JVM_NATIVE = 1L << 30;
    /** Headroom over the estimate for ND4J's temporaries (op outputs, workspaces) when the limit is sized here. */
    static final double HEADROOM = 1.25;

    /** The executors' conf, or empty for the JVM itself (local-mode tests that share one context). */
    private final Optional<SparkConf> conf;
    private final OptionalLong localLimit;
    /** Whether the executors are yet to start, so that their options may still be set. */
    private final boolean beforeStart;

    private ExecutorMemory(Optional<SparkConf> conf, OptionalLong localLimit, boolean beforeStart) {
        this.conf = conf;
        this.localLimit = localLimit;
        this.beforeStart = beforeStart;
    }

    /** For a command's SparkConf, which it has not started a context from yet: a missing limit is set here. */
    public static ExecutorMemory of(SparkConf conf) {
        return new ExecutorMemory(Optional.of(conf), OptionalLong.empty(), true);
    }

    /**
     * For a context that runs already (its conf): checked only. Executors started without the option have
     * JavaCPP's default limit, the size of their heap (spark.executor.memory).
     */
    public static ExecutorMemory running(SparkConf conf) {
        return new ExecutorMemory(Optional.of(conf), OptionalLong.empty(), false);
    }

    /** For training in this JVM, in local mode: the limit is this JVM's own. */
    public static ExecutorMemory localJvm() {
        return new ExecutorMemory(Optional.empty(), OptionalLong.empty(), false);
    }

    /** As {@link #localJvm}, with a given limit: for the unit tests. */
    static ExecutorMemory localJvm(long maxBytes) {
        return new ExecutorMemory(Optional.empty(), OptionalLong.of(maxBytes), false);
    }

    /**
     * Fails with one line when the model cannot fit; sets the executors' limit from the model when the user did
     * not. Returns what it set, for the console, if anything.
     */
    public Optional<String> fit(ModelSize size, TrainingConfig training) {
        if (conf.isEmpty() || conf.get().get("spark.master", "local").startsWith("local")) {
            checkLocal(ModelMemory.of(size, training, training.workers()));
            return Optional.empty();
        }
        return fitCluster(conf.get(), ModelMemory.of(size, training, slotsPerExecutor(conf.get())), beforeStart);
    }

    private void checkLocal(ModelMemory need) {
        long limit = localLimit.orElseGet(Pointer::maxBytes);
        if (need.executorBytes() > limit) {
            throw new InvalidConfigException(MAXBYTES, "is " + ModelMemory.mib(limit) + " in this JVM, which runs"
                    + " every task in local mode, but the model needs about " + need.describe() + "; raise"
                    + " -D" + MAXBYTES + " (and -Xmx) in the driver's JVM options (SPARK_DDP_JAVA_OPTS for"
                    + " deploy/spark-ddp), or train a smaller model, training.batch-size or training.workers");
        }
    }

    private static Optional<String> fitCluster(SparkConf conf, ModelMemory need, boolean beforeStart) {
        String options = conf.get(OPTIONS, "");
        OptionalLong given = option(options, MAXBYTES);
        if (given.isEmpty() && !beforeStart) {
            given = OptionalLong.of(conf.getSizeAsBytes("spark.executor.memory", "1g"));
        }
        long limit;
        Optional<String> note = Optional.empty();
        if (given.isPresent()) {
            limit = given.getAsLong();
            if (need.executorBytes() > limit) {
                throw new InvalidConfigException(OPTIONS, "-D" + MAXBYTES + "=" + ModelMemory.mib(limit) + " is below"
                        + " what one executor needs for the model, about " + need.describe() + "; raise it (deploy/submit"
                        + " --offheap, with " + OVERHEAD + "), or leave it unset to size it from the model");
            }
        } else {
            // Never below JavaCPP's own default, the heap's size: the estimate covers the model, not ND4J's
            // other buffers (minibatches, evaluation), which the default has always held.
            long heap = conf.getSizeAsBytes("spark.executor.memory", "1g");
            limit = Math.max(heap, (long) Math.ceil(need.executorBytes() * HEADROOM));
            String set = " -D" + MAXBYTES + "=" + ModelMemory.mib(limit);
            if (option(options, MAXPHYSICAL).isEmpty()) {
                set += " -D" + MAXPHYSICAL + "=" + ModelMemory.mib(heap + limit + (512L << 20));
            }
            conf.set(OPTIONS, (options + set).strip());
            note = Optional.of("executors: ND4J off-heap limit sized from the model: -D" + MAXBYTES + "="
                    + ModelMemory.mib(limit) + " (estimate " + ModelMemory.mib(need.executorBytes()) + " plus"
                    + " headroom)");
        }
        if (conf.contains(OVERHEAD)) {
            long overhead = conf.getSizeAsMb(OVERHEAD, "0") << 20;
            if (limit > overhead) {
                throw new InvalidConfigException(OVERHEAD, "is " + ModelMemory.mib(overhead) + " but the executors' ND4J"
                        + " limit is " + ModelMemory.mib(limit) + " (for a model that needs about "
                        + ModelMemory.mib(need.executorBytes()) + "): a container that small is killed when ND4J uses"
                        + " its memory; raise it to at least " + ModelMemory.mib(limit + JVM_NATIVE));
            }
        } else if (given.isEmpty() && containerized(conf)) {
            conf.set(OVERHEAD, ModelMemory.mib(limit + JVM_NATIVE));
        }
        return note;
    }

    /** YARN and Kubernetes size (and enforce) executor containers by the overhead; standalone does not use it. */
    private static boolean containerized(SparkConf conf) {
        String master = conf.get("spark.master", "");
        return master.startsWith("yarn") || master.startsWith("k8s://");
    }

    /** Task slots of one executor: spark.executor.cores over spark.task.cpus (1 core each, as the recipes start). */
    static int slotsPerExecutor(SparkConf conf) {
        int cores = conf.getInt("spark.executor.cores", 1);
        return Math.max(1, cores / Math.max(1, conf.getInt("spark.task.cpus", 1)));
    }

    private static final Pattern SYSTEM_PROPERTY = Pattern.compile("(?:^|\\s)-D([\\w.]+)=(\\S+)");

    /**
     * A JavaCPP size given as a system property in JVM options, as JavaCPP itself reads it (e.g. 2g, 512m, 1073741824);
     * the last one wins, as in the JVM. Empty when absent, or relative ("50%") and so unknown here.
     */
    static OptionalLong option(String javaOptions, String property) {
        Matcher m = SYSTEM_PROPERTY.matcher(javaOptions);
        String value = null;
        while (m.find()) {
            if (m.group(1).equals(property)) {
                value = m.group(2);
            }
        }
        if (value == null || value.endsWith("%")) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Pointer.parseBytes(value, 0));
        } catch (NumberFormatException e) {
            throw new InvalidConfigException(OPTIONS, "-D" + property + "=" + value + " is not a size such as 2g or"
                    + " 512m");
        }
    }
}

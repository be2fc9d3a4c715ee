package org.sparkddp.driver.spark;

import java.util.Optional;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The SparkContext of one command, started when it is first needed: at once for data that the executors decode
 * (CSV, LibSVM, Parquet, catalog tables), else only after the command has checked its input, so that bad input
 * fails without starting Spark. Stopped on close, if it was started. Runs on the driver.
 *
 * <p>Every failure path is bounded: the start by {@link SparkStart}, and a context that Spark stops under the
 * command wakes it ({@link StopWatch}); {@link #close} then throws the one line that says so, which the command
 * line reports over whatever the stop made the command fail with.
 */
public final class CommandSpark implements AutoCloseable {
    private final SparkConf conf;
    private JavaSparkContext sc;
    /** The task results the driver receives, counted from the context's start. */
    private DriverResultBytes resultBytes;
    private StopWatch stopWatch;

    /** @param forData whether the executors read the data, so that Spark must start before it is checked */
    public CommandSpark(SparkConf conf, boolean forData) {
        this.conf = conf;
        if (forData) {
            context();
        }
    }

    /** The session that reads the data, where Spark started for it; empty for data read without Spark. */
    public Optional<SparkSession> dataSession() {
        return Optional.ofNullable(sc).map(SparkSetup::session);
    }

    /** The context, started now if it is not yet. */
    public JavaSparkContext context() {
        if (sc == null) {
            sc = SparkStart.context(conf);
            stopWatch = StopWatch.watch(sc.sc());
            resultBytes = DriverResultBytes.watch(sc.sc());
        }
        return sc;
    }

    /** The task result bytes the driver has received since the context started; 0 if it never started. */
    public long resultBytes() {
        return resultBytes == null ? 0 : resultBytes.total();
    }

    @Override
    public void close() {
        if (sc == null) {
            return;
        }
        stopWatch.closing();
        java.util.Optional<SparkUnavailableException> stoppedUnder = stopWatch.failure();
        if (stoppedUnder.isPresent()) {
            Thread.interrupted(); // the watch's wake-up call has done its work
            throw stoppedUnder.get();
        }
        // A command that ends on a signal was interrupted (org.sparkddp.driver.SignalStop): the stop's own waits
        // must not end on that interrupt, half done.
        Thread.interrupted();
        sc.stop();
    }
}

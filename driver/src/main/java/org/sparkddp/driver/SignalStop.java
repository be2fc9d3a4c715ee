package org.sparkddp.driver;

import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkContext$;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.sparkddp.driver.train.RunPosition;
import sun.misc.Signal;

/**
 * Ends the command on SIGINT (Ctrl-C) or SIGTERM with one line on stderr, {@code spark-ddp: interrupted at
 * iteration N (epoch E); the last checkpoint is ...; resume with --resume ...}, and the shell's status for the
 * signal (130, 143), every Spark job of the command cancelled. Runs on the driver: installed by {@link Main#main},
 * called on the JVM's signal thread.
 *
 * <p>NOTE: the JVM's own answer to these signals is to run its shutdown hooks, and Spark's stops the SparkContext
 * under the running command: the command then fails as if the cluster manager had ended the application, and
 * Spark's thread pools print stack traces as they shut down under running callbacks. Handling the signal instead
 * lets the command end in order: its jobs are cancelled (the training stage's barrier tasks are interrupted, on
 * every executor), the command thread unwinds as from a failure (complete checkpoints stay, metrics.jsonl keeps
 * the epochs done), the command stops the context (on a cluster, which ends the application), and only then does
 * the JVM exit, with the status the shell gives a process the signal ended. A command that does not end within
 * {@link #BOUND}, or a second signal, exits at once, Spark's shutdown hook stopping the context; so does a signal
 * before Spark has started, when there is nothing to stop in order.
 *
 * <p>A signal the JVM started with ignored (nohup, a background job of a script) stays ignored. The handler is
 * {@code sun.misc.Signal}'s (module jdk.unsupported), as Spark's own {@code SignalUtils} uses.
 */
final class SignalStop {
    /** The longest the command may take to end after a signal before the JVM exits under it. */
    static final Duration BOUND = Duration.ofSeconds(30);

    /** The first signal, once one has come. */
    private static final AtomicReference<Received> RECEIVED = new AtomicReference<>();
    /** Whether the line has been printed: exactly once, whichever thread ends the command. */
    private static final AtomicBoolean REPORTED = new AtomicBoolean();

    /**
     * @param name     INT or TERM
     * @param status   the exit status: 128 and the signal's number
     * @param position the training run at the signal, if one had started
     */
    record Received(String name, int status, Optional<RunPosition> position) {
        String line() {
            return "spark-ddp: interrupted " + position.map(RunPosition::describe)
                    .orElse("(no training run had started)");
        }
    }

    private SignalStop() {
    }

    /** Handles SIGINT and SIGTERM for the command running on {@code command} from now on. */
    static void install(Thread command, PrintStream err) {
        for (String name : List.of("INT", "TERM")) {
            try {
                Signal.handle(new Signal(name), signal -> onSignal(signal, command, err));
            } catch (IllegalArgumentException e) {
                // The JVM keeps this signal for itself (-Xrs): its own shutdown remains the answer.
            }
        }
    }

    /** The signal that is ending the command, if one came. */
    static Optional<Received> received() {
        return Optional.ofNullable(RECEIVED.get());
    }

    /** Prints the line, unless it was printed already, and returns the exit status; only after a signal. */
    static int report(PrintStream err) {
        Received received = RECEIVED.get();
        if (REPORTED.compareAndSet(false, true)) {
            err.println(received.line());
            err.flush();
        }
        return received.status();
    }

    private static void onSignal(Signal signal, Thread command, PrintStream err) {
        Received first = new Received(signal.getName(), 128 + signal.getNumber(), RunPosition.current());
        if (!RECEIVED.compareAndSet(null, first)) {
            exitNow(err); // a second signal: the user will not wait
            return;
        }
        silenceConsoleLogs();
        silenceStandardStreams();
        Optional<SparkContext> sc = active();
        if (sc.isEmpty()) {
            // Spark has not started: no job or executor to stop, and reading the input need not heed an interrupt.
            exitNow(err);
            return;
        }
        cancelJobs(sc.get());
        command.interrupt();
        Thread watchdog = new Thread(() -> {
            try {
                command.join(BOUND.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (command.isAlive()) {
                exitNow(err);
            }
        }, "spark-ddp-signal-bound");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    /** The line, then the JVM's exit. */
    private static void exitNow(PrintStream err) {
        exit(report(err));
    }

    /** Exits the JVM with {@code status}, Spark's shutdown hook stopping the context if the command did not. */
    static void exit(int status) {
        System.exit(status);
    }

    /**
     * From the signal on, nothing but the one line reaches the console: Spark's pools print the stack traces of the
     * callbacks they reject as they shut down under them, straight to {@code System.err} (Scala's default reporter,
     * past log4j), while the command stops Spark. The line goes to the stream {@link #install} was given, which
     * stays the console's.
     */
    private static void silenceStandardStreams() {
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
        System.setErr(discard);
        System.setOut(discard);
    }

    /**
     * Every running job is cancelled now, its tasks interrupted where the job asked for it (every training job
     * does, through its job group), and every job the unwinding command submits from now on as it starts.
     */
    private static void cancelJobs(SparkContext sc) {
        sc.addSparkListener(new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart start) {
                sc.cancelJob(start.jobId());
            }
        });
        sc.cancelAllJobs();
    }

    private static Optional<SparkContext> active() {
        scala.Option<SparkContext> active = SparkContext$.MODULE$.getActive();
        return active.isDefined() ? Optional.of(active.get()) : Optional.empty();
    }

    /**
     * The console gets no more log lines (Spark's warnings about the tasks it kills, the jobs it cancels); the log
     * file keeps them. Where logging is not Log4j 2's core (another binding), nothing changes.
     */
    private static void silenceConsoleLogs() {
        if (!(LogManager.getContext(false) instanceof LoggerContext context)) {
            return;
        }
        Configuration config = context.getConfiguration();
        for (Appender appender : config.getAppenders().values()) {
            if (appender instanceof ConsoleAppender) {
                config.getRootLogger().removeAppender(appender.getName());
                for (LoggerConfig logger : config.getLoggers().values()) {
                    logger.removeAppender(appender.getName());
                }
            }
        }
        context.updateLoggers();
    }
}

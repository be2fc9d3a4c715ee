package org.sparkddp.driver;

import java.io.PrintStream;
import org.apache.spark.SparkUserAppException;
import org.sparkddp.common.error.InvalidInputException;
import org.sparkddp.driver.cli.CommandLine;
import org.sparkddp.driver.spark.SparkUnavailableException;
import org.sparkddp.driver.train.JobTimeoutException;
import org.sparkddp.driver.train.TrainingDivergedException;
import org.sparkddp.driver.train.StageFailedException;

/**
 * The command-line entry point, for {@code deploy/spark-ddp} and {@code spark-submit --class}. Runs on the
 * driver. Bad input ends in one line on stderr that names the key, file or line at fault, and a non-zero exit; so
 * does a failure we do not recognize, with its stack trace in a file that the line names.
 */
public final class Main {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int INVALID_INPUT = 2;
    public static final int DIVERGED = 3;

    private Main() {
    }

    public static void main(String[] args) throws SparkUserAppException {
        SignalStop.install(Thread.currentThread(), System.err);
        int status = run(args, System.out, System.err);
        if (ApplicationMasterExit.inApplicationMaster()) {
            ApplicationMasterExit.finish(status); // YARN cluster mode: no System.exit under the ApplicationMaster
            return;
        }
        SignalStop.exit(status);
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            java.util.Optional<String> help = CommandLine.help(args);
            if (help.isPresent()) {
                out.println(help.get());
                return OK;
            }
            CommandLine cli = CommandLine.parse(args);
            if (cli.command().equals("help")) {
                out.println(CommandLine.USAGE);
                return OK;
            }
            if (cli.command().equals("evaluate")) {
                EvaluateCommand.run(cli, out);
            } else if (cli.command().equals("report")) {
                ReportCommand.run(cli, out);
            } else if (cli.command().equals("predict")) {
                PredictCommand.run(cli, out);
            } else if (cli.command().equals("export")) {
                ExportCommand.run(cli, out);
            } else if (cli.command().equals("search")) {
                SearchCommand.run(cli, out);
            } else {
                TrainCommand.run(cli, out);
            }
            return OK;
        } catch (Throwable t) {
            // After SIGINT or SIGTERM, whatever the command failed with follows from the signal: one line says where
            // the run stopped and how to resume it.
            return SignalStop.received().isPresent() ? SignalStop.report(err) : report(t, err);
        }
    }

    /** Finds the user-facing cause, wherever Spark wrapped it (a task's exception arrives inside a SparkException). */
    public static int report(Throwable failure, PrintStream err) {
        // Spark stopped under the command: whatever the command failed with then (a job "cancelled because
        // SparkContext was shut down", an interrupted wait) follows from it. It arrives as the cause or, thrown
        // by the closing CommandSpark, as a suppressed exception.
        for (Throwable t = failure; t != null; t = t.getCause()) {
            for (Throwable s : t.getSuppressed()) {
                if (s instanceof SparkUnavailableException) {
                    return print(s, FAILED, err);
                }
            }
            if (t instanceof SparkUnavailableException) {
                return print(t, FAILED, err);
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof InvalidInputException) {
                return print(t, INVALID_INPUT, err);
            }
            if (t instanceof TrainingDivergedException) {
                return print(t, DIVERGED, err);
            }
            if (t instanceof JobTimeoutException || t instanceof StageFailedException) {
                return print(t, FAILED, err);
            }
        }
        err.println("spark-ddp: internal error: " + FailureDetails.firstLine(failure) + " ("
                + FailureDetails.save(failure) + ")");
        return FAILED;
    }

    /** The one line of a failure the user can act on, and its exit status. */
    private static int print(Throwable failure, int status, PrintStream err) {
        err.println("spark-ddp: error: " + failure.getMessage());
        return status;
    }
}

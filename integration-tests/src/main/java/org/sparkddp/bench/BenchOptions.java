package org.sparkddp.bench;

import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Reads a benchmark program's arguments into its picocli-annotated options object. Runs in the program's own JVM
 * (the benchmark's parent, or a child it starts). A usage error is one line, {@code NAME: what is wrong}, and exit
 * status 2, as {@code deploy/bench}'s own checks end; {@code deploy/bench --help} prints the usage.
 */
final class BenchOptions {
    private BenchOptions() {
    }

    /** Options that check themselves once read: a value out of range throws an IllegalArgumentException. */
    interface Checked {
        void check();
    }

    /** An argument the program cannot take: its message is the one line to print. */
    static final class UsageException extends IllegalArgumentException {
        UsageException(String message) {
            super(message);
        }
    }

    /** {@link #parse}, ending the JVM with one line on stderr and exit status 2 on a usage error. */
    static <T> T parseOrExit(String name, T options, String[] args) {
        try {
            return parse(name, options, args);
        } catch (UsageException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            throw e; // not reached
        }
    }

    /**
     * The options as the synopsis shows them, e.g. {@code [--quick] [--out FILE]} ("--out FILE" for the reader,
     * though the parser takes "--out=FILE" too).
     */
    static String options(Object options) {
        CommandLine display = new CommandLine(options).setSeparator(" ");
        display.getCommandSpec().usageMessage().sortSynopsis(false);
        String synopsis = new CommandLine.Help(display.getCommandSpec()).synopsis(0).strip();
        return synopsis.substring(display.getCommandName().length()).strip();
    }

    /** Fills {@code options} from {@code args}; a usage error is a {@link UsageException} of one line. */
    static <T> T parse(String name, T options, String[] args) {
        CommandLine command = new CommandLine(options).setExpandAtFiles(false)
                .setCaseInsensitiveEnumValuesAllowed(true);
        try {
            command.parseArgs(args);
            if (options instanceof Checked checked) {
                checked.check();
            }
            return options;
        } catch (UnmatchedArgumentException e) {
            throw new UsageException(name + ": unknown argument " + e.getUnmatched().get(0) + " (expected "
                    + options(options) + ")");
        } catch (ParameterException | IllegalArgumentException e) {
            throw new UsageException(name + ": " + e.getMessage());
        }
    }
}

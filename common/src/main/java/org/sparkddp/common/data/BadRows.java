package org.sparkddp.common.data;

import org.sparkddp.common.config.BadRowPolicy;
import org.sparkddp.common.error.InvalidDataException;

/**
 * Applies {@code data.on-bad-row} to one file being read: a bad row either ends the load with an error naming
 * the file and its 1-based line ({@code data/train.csv:17: expected 9 fields but got 8}) or is counted and
 * left out. Runs wherever a file is read (the driver).
 */
public final class BadRows {
    private final String file;
    private final BadRowPolicy policy;
    private long skipped;
    /** The first row left out, for an executor that records bad rows for the driver to name: 0 for none. */
    private long firstLine;
    private String firstProblem;

    /**
     * Bad rows counted and left out, never thrown, with the first one kept ({@link #firstLine()}): how an executor
     * reads a block whose line numbers only the driver can make absolute.
     */
    public static BadRows recording(String file) {
        return new BadRows(file, BadRowPolicy.SKIP);
    }

    public BadRows(String file, BadRowPolicy policy) {
        this.file = file;
        this.policy = policy;
    }

    /** Fails the load, or counts the row so that the caller leaves it out. */
    public void reject(long line, String problem) {
        if (policy == BadRowPolicy.FAIL) {
            throw new InvalidDataException(file + ":" + line, problem);
        }
        if (skipped == 0) {
            firstLine = line;
            firstProblem = problem;
        }
        skipped++;
    }

    /** The line of the first row left out (as the reader numbered it), or 0 if none was. */
    public long firstLine() {
        return firstLine;
    }

    /** Why the first row was left out, or null if none was. */
    public String firstProblem() {
        return firstProblem;
    }

    /** Rows left out so far. */
    public long skipped() {
        return skipped;
    }

    /** A finite number, or null after rejecting the row; {@code what} names the field in the message. */
    Float number(long line, String text, String what) {
        try {
            return BadRowException.finite(text, what);
        } catch (BadRowException e) {
            reject(line, e.problem());
            return null;
        }
    }
}

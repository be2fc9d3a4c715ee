package org.sparkddp.common.data;

/**
 * Records the bad rows of one block of a file as an executor decodes it: each is counted and left out, and the
 * first one kept ({@link #firstLine()}, {@link #firstProblem()}), for the driver, which alone knows the absolute
 * line, to name it under {@code data.on-bad-row = fail} or to count it under {@code skip}
 * ({@code DecodedTable}).
 */
public final class BadRows {
    private long skipped;
    /** The first row left out: 0 for none. */
    private long firstLine;
    private String firstProblem;

    /** Counts the row, so that the caller leaves it out; the first one is kept. */
    public void reject(long line, String problem) {
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

package org.sparkddp.driver.predict;

import java.io.Serializable;
import org.apache.spark.ml.linalg.Vector;
import org.sparkddp.common.config.BadRowPolicy;
import org.sparkddp.common.data.BadRowException;
import org.sparkddp.common.error.InvalidDataException;

/**
 * One text line to the features of one row, with the rules {@code train}'s reader applies to the same format.
 * Built on the driver, applied on the executors to each line with its file and byte offset.
 */
abstract class LineParser implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Thrown for a bad row under {@code data.on-bad-row = skip}: the row is left out and counted. */
    static final class Skipped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Skipped() {
            super(null, null, false, false);
        }
    }

    private final BadRowPolicy policy;

    LineParser(BadRowPolicy policy) {
        this.policy = policy;
    }

    /**
     * The line's features, or null for a line that holds no example (blank, a comment, a header).
     *
     * @param offset the line's byte offset in its (decompressed) file; 0 for its first line
     */
    abstract Vector parse(String file, long offset, String line);

    /** Fails naming the file and line, or under {@code skip} leaves the row out. */
    final RuntimeException reject(String file, long offset, String problem) {
        if (policy == BadRowPolicy.FAIL) {
            return new InvalidDataException(file + " (the line at byte " + offset + ")", problem);
        }
        return new Skipped();
    }

    /** A finite number, as the training readers accept one; {@code what} names the field in the message. */
    final float number(String file, long offset, String text, String what) {
        try {
            return BadRowException.finite(text, what);
        } catch (BadRowException e) {
            throw reject(file, offset, e.problem());
        }
    }
}

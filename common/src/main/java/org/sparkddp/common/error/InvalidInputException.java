package org.sparkddp.common.error;

/**
 * A problem with what the user gave us (a config key, a data file, a path), as opposed to a bug.
 *
 * <p>The message is one line that names the key, file or line at fault; the command line prints it as it is
 * and exits non-zero. Runs on the driver, or on an executor when an executor is the first to read a file.
 */
public class InvalidInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}

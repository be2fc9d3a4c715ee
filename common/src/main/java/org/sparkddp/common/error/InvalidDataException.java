package org.sparkddp.common.error;

/**
 * A data file that is missing, unreadable, corrupt or inconsistent. The message starts with the file. Not final: a
 * checkpoint chunk file that is corrupt is one too ({@code CorruptChunkException}, which is also never retried).
 */
public class InvalidDataException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    public InvalidDataException(String file, String problem) {
        super(file + ": " + problem);
    }

    public InvalidDataException(String file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}

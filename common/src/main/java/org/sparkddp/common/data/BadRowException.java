package org.sparkddp.common.data;

/**
 * A line that is not a row, with the one-line reason ({@code field 3 'x' is not a number}), thrown by the row
 * parsers and caught by whoever applies {@code data.on-bad-row}, which adds the file and line. Runs wherever a
 * file is read; carries no stack trace, since a skipped row is normal input.
 */
public final class BadRowException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BadRowException(String problem) {
        super(problem, null, false, false);
    }

    /** The reason, without file or line. */
    public String problem() {
        return getMessage();
    }

    /**
     * A finite number, as every reader accepts one (surrounding blanks ignored); {@code what} names the field in
     * the message.
     */
    public static float finite(String text, String what) {
        String number = text.trim();
        float value;
        try {
            value = Float.parseFloat(number);
        } catch (NumberFormatException e) {
            throw new BadRowException(what + " '" + number + "' is not a number");
        }
        if (!Float.isFinite(value)) {
            throw new BadRowException(what + " is " + number + ", expected a finite number");
        }
        return value;
    }
}

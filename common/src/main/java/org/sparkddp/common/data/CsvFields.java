package org.sparkddp.common.data;

import java.io.Serializable;
import java.util.regex.Pattern;
import org.sparkddp.common.config.CsvConfig;

/**
 * How a CSV line is cut into fields by {@code data.csv.delimiter}: a single character, or any run of spaces and
 * tabs for {@code space} (the line stripped first). The one definition every CSV reader uses, on the driver
 * ({@link CsvReader}) and on the executors (training's decoder, predict's line parser).
 */
public final class CsvFields implements Serializable {
    private static final long serialVersionUID = 1L;

    private final char delimiter;
    /** Compiled where it is used: a Pattern does not travel to the executors. */
    private transient Pattern splitter;

    public CsvFields(char delimiter) {
        this.delimiter = delimiter;
    }

    /** The line's fields, empty ones included. */
    public String[] split(String line) {
        if (splitter == null) {
            splitter = delimiter == CsvConfig.WHITESPACE ? Pattern.compile("[ \t]+")
                    : Pattern.compile(Pattern.quote(String.valueOf(delimiter)));
        }
        return splitter.split(delimiter == CsvConfig.WHITESPACE ? line.strip() : line, -1);
    }

    /**
     * Why a line of {@code got} fields is not a row of {@code expected}: {@code expected 9 fields but got 10}, and
     * where the line holds a double quote, that quoting is not read (RFC 4180's {@code "a,b"} is two fields here),
     * since that is the usual cause of a field too many.
     */
    public static String countMismatch(int expected, int got, String line) {
        String reason = "expected " + expected + " fields but got " + got;
        return line.indexOf('"') < 0 ? reason : reason + " (quoted fields are not read: a delimiter inside quotes"
                + " splits its field; write such data without quotes, or as Parquet)";
    }
}

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
}

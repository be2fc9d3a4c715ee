package org.sparkddp.common.config;

import java.io.Serializable;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * The {@code data.csv} section: how a delimited text file is split into features and targets.
 *
 * @param delimiter    the field separator; {@link #WHITESPACE} means any run of spaces and tabs
 * @param header       whether the first line holds column names (it is skipped)
 * @param labelColumns 0-based columns holding the label or targets, in order; negative ones count from the end
 *                     ({@code -1} is the last column)
 */
public record CsvConfig(char delimiter, boolean header, List<Integer> labelColumns) implements Serializable {
    /** The delimiter {@code space}: fields separated by runs of blanks, leading and trailing blanks ignored. */
    public static final char WHITESPACE = ' ';

    /** Comma-separated, no header, label in the last column. */
    public static final CsvConfig DEFAULT = new CsvConfig(',', false, List.of(-1));

    public CsvConfig {
        labelColumns = List.copyOf(labelColumns);
        if (labelColumns.isEmpty()) {
            throw new InvalidConfigException("data.csv.label-columns", "must name at least one column");
        }
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < labelColumns.size(); i++) {
            if (!seen.add(labelColumns.get(i))) {
                throw new InvalidConfigException("data.csv.label-columns[" + i + "]",
                        "names column " + labelColumns.get(i) + " twice");
            }
        }
        if (delimiter == '"' || delimiter == '\n' || delimiter == '\r' || Character.isLetterOrDigit(delimiter)
                || delimiter == '.' || delimiter == '-' || delimiter == '+') {
            throw new InvalidConfigException("data.csv.delimiter", "cannot be '" + delimiter
                    + "': it can be part of a number");
        }
    }

    /** {@code comma}, {@code tab}, {@code semicolon}, {@code space}, or any single character. */
    static char parseDelimiter(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "comma" -> ',';
            case "tab" -> '\t';
            case "semicolon" -> ';';
            case "space" -> WHITESPACE;
            default -> {
                if (name.length() != 1) {
                    throw new InvalidConfigException("data.csv.delimiter", "must be comma, tab, semicolon, space or a"
                            + " single character but got '" + name + "'");
                }
                yield name.charAt(0);
            }
        };
    }

    /** The delimiter as the config spells it, for messages. */
    public String delimiterName() {
        return switch (delimiter) {
            case ',' -> "comma";
            case '\t' -> "tab";
            case ';' -> "semicolon";
            case WHITESPACE -> "space";
            default -> String.valueOf(delimiter);
        };
    }
}

package org.sparkddp.common.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.sparkddp.common.config.CsvConfig;

/**
 * How one CSV line is cut into fields by {@code data.csv.delimiter}: a single character, or any run of spaces and
 * tabs for {@code space} (the line stripped first). Fields may be quoted as RFC 4180 says ({@code "1,5"} is one
 * field, {@code ""} inside quotes is a quote), read by Apache Commons CSV; a line without a quote, the numeric hot
 * path, is cut by {@link #splitPlain}, which gives the same fields faster. The one definition every CSV reader
 * uses: the driver reading a file's first line, training's block decoder and predict's line parser on the
 * executors.
 *
 * <p>A quoted field cannot span lines: the executors read a file in byte ranges that start at a line break, and
 * a range cannot tell whether a line break is inside quotes without reading the file from its start. A line whose
 * quotes do not close is a bad row ({@link BadRowException}).
 */
public final class CsvFields implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final char BYTE_ORDER_MARK = '\uFEFF';

    private final char delimiter;
    /** Built where it is used: the format need not travel to the executors. */
    private transient CSVFormat quoted;

    public CsvFields(char delimiter) {
        this.delimiter = delimiter;
    }

    /**
     * The line without a leading byte-order mark, as spreadsheet exports write one: the one place a reader strips
     * it, from the first line of a file.
     */
    public static String withoutBom(String line) {
        return !line.isEmpty() && line.charAt(0) == BYTE_ORDER_MARK ? line.substring(1) : line;
    }

    /** A file's first non-blank line (its header or first row), without a byte-order mark, and its 1-based number. */
    public record FirstLine(String text, long number) {
    }

    /** The first non-blank line of a (decompressed) file, or null for one of blank lines only; does not close it. */
    public static FirstLine firstLine(InputStream in) throws IOException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 12);
        long number = 0;
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            number++;
            String text = number == 1 ? withoutBom(line) : line;
            if (!text.isBlank()) {
                return new FirstLine(text, number);
            }
        }
        return null;
    }

    /**
     * The line's fields, empty ones included, unquoted.
     *
     * @throws BadRowException for quotes that do not close on the line, or text between a closing quote and the
     *                         delimiter
     */
    public String[] split(String line) {
        return line.indexOf('"') < 0 && line.indexOf('\r') < 0 ? splitPlain(line) : splitQuoted(line);
    }

    /** The fields of a line without quotes: what {@link #splitQuoted} gives for it, by a plain scan. */
    String[] splitPlain(String line) {
        List<String> fields = new ArrayList<>();
        if (delimiter == CsvConfig.WHITESPACE) {
            String text = line.strip();
            int start = 0;
            for (int i = 0; i <= text.length(); i++) {
                if (i == text.length() || isBlank(text.charAt(i))) {
                    if (i > start || i == 0) {
                        fields.add(text.substring(start, i));
                    }
                    start = i + 1;
                }
            }
            return fields.toArray(new String[0]);
        }
        int start = 0;
        for (int i = line.indexOf(delimiter); i >= 0; i = line.indexOf(delimiter, start)) {
            fields.add(line.substring(start, i));
            start = i + 1;
        }
        fields.add(line.substring(start));
        return fields.toArray(new String[0]);
    }

    /** The fields by Commons CSV's RFC 4180 reading, for any line. */
    String[] splitQuoted(String line) {
        if (quoted == null) {
            quoted = CSVFormat.RFC4180.builder()
                    .setDelimiter(delimiter == CsvConfig.WHITESPACE ? ' ' : delimiter)
                    .build();
        }
        // NOTE: for `space`, tabs become spaces and runs of blanks give empty fields, dropped below; a tab inside
        // quotes becomes a space too, which a number trims away.
        String text = delimiter == CsvConfig.WHITESPACE ? line.strip().replace('\t', ' ') : line;
        List<CSVRecord> records;
        try (CSVParser parser = CSVParser.parse(text, quoted)) {
            records = parser.getRecords();
        } catch (IOException | UncheckedIOException e) {
            throw new BadRowException(unclosed(line) ? "a quoted field is not closed on its line (a line break"
                    + " inside quotes is not read: the file is read in ranges that start at line breaks)"
                    : "a quoted field is followed by text before the next delimiter (a quote inside quotes is"
                    + " written twice: \"\")");
        }
        if (records.size() > 1) {
            throw new BadRowException("holds a carriage return inside the line");
        }
        String[] fields = records.isEmpty() ? new String[] {""} : records.get(0).values(); // "" is one empty field
        if (delimiter != CsvConfig.WHITESPACE) {
            return fields;
        }
        List<String> kept = new ArrayList<>();
        for (String field : fields) {
            if (!field.isEmpty()) {
                kept.add(field);
            }
        }
        return kept.toArray(new String[0]);
    }

    /** Whether the line's quotes leave a field open: an odd count, since a quote inside quotes is written twice. */
    private static boolean unclosed(String line) {
        return line.chars().filter(c -> c == '"').count() % 2 == 1;
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }
}

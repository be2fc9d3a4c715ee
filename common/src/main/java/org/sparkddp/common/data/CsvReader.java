package org.sparkddp.common.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.sparkddp.common.config.CsvConfig;
import org.sparkddp.common.error.InvalidDataException;

/**
 * Parses a delimited text file of numbers into examples: the {@code data.csv.label-columns} are the targets,
 * every other column a feature, in file order. Every row must have as many fields as the header (or, without
 * one, the first row). Blank lines are ignored; quotes are not interpreted (every field is a number).
 *
 * <p>A bad row (a wrong number of fields, a field that is not a finite number, a bad class label) goes to
 * {@link BadRows}, which fails with {@code file:line} or skips it. Runs on the driver.
 */
public final class CsvReader {
    private final String name;
    private final CsvConfig csv;
    private final ReadOptions options;
    private final CsvFields fields;

    /**
     * @param name    the file's path or URI, for messages
     */
    public CsvReader(String name, CsvConfig csv, ReadOptions options) {
        this.name = name;
        this.csv = csv;
        this.options = options;
        this.fields = new CsvFields(csv.delimiter());
        if (options.kind() == TargetKind.CLASS_INDEX && csv.labelColumns().size() != 1) {
            throw new org.sparkddp.common.error.InvalidConfigException("data.csv.label-columns", "must name exactly"
                    + " one column when the model wants class labels, but names " + csv.labelColumns().size());
        }
    }

    /** Reads the whole (already decompressed) stream; does not close it. */
    public TabularFile read(InputStream in) throws IOException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
        BadRows bad = new BadRows(name, options.onBadRow());
        int width = csv.labelColumns().size();
        TargetColumns targets = new TargetColumns(options, width);
        FloatColumn features = new FloatColumn();
        int fields = -1;
        boolean[] isTarget = null;
        int[] targetOf = null;
        float[] targetRow = new float[width];
        long lineNumber = 0;
        int rows = 0;
        String line;
        while ((line = lines.readLine()) != null) {
            lineNumber++;
            if (lineNumber == 1 && line.startsWith("\uFEFF")) {
                line = line.substring(1); // a byte-order mark, as spreadsheet exports write
            }
            if (line.isBlank()) {
                continue;
            }
            String[] values = split(line);
            if (fields < 0) {
                fields = values.length;
                targetOf = resolveLabelColumns(fields, lineNumber);
                isTarget = new boolean[fields];
                for (int column : targetOf) {
                    isTarget[column] = true;
                }
                if (csv.header()) {
                    continue;
                }
            }
            if (values.length != fields) {
                bad.reject(lineNumber, CsvFields.countMismatch(fields, values.length, line));
                continue;
            }
            int rowStart = features.size();
            boolean ok = true;
            for (int c = 0; c < fields && ok; c++) {
                if (!isTarget[c]) {
                    Float v = bad.number(lineNumber, values[c].trim(), "field " + (c + 1));
                    ok = v != null;
                    if (ok) {
                        features.add(v);
                    }
                }
            }
            for (int t = 0; t < width && ok; t++) {
                Float v = bad.number(lineNumber, values[targetOf[t]].trim(), "field " + (targetOf[t] + 1));
                ok = v != null && targets.accept(v, lineNumber, bad);
                if (ok) {
                    targetRow[t] = v;
                }
            }
            if (!ok) {
                features.truncate(rowStart);
                continue;
            }
            targets.add(targetRow);
            rows++;
        }
        if (rows == 0) {
            throw new InvalidDataException(name, "holds no examples" + (bad.skipped() > 0
                    ? " (all " + bad.skipped() + " rows were bad and skipped)" : ""));
        }
        int numFeatures = fields - width;
        LabeledExamples examples = new LabeledExamples(new DenseFeatures(rows, numFeatures, features.toArray()),
                targets.build(name));
        return new TabularFile(examples, bad.skipped());
    }

    /**
     * The label columns (0-based) of a file whose first non-blank line is {@code firstLine} (the header, or the
     * first row): what an executor needs to read any split of it ({@link TextBlockDecoder}). Read on the driver.
     */
    public int[] labelColumns(String firstLine, long line) {
        String text = firstLine.startsWith("\uFEFF") ? firstLine.substring(1) : firstLine;
        return resolveLabelColumns(split(text).length, line);
    }

    /** The fields of the row {@code firstLine}. */
    public int fields(String firstLine) {
        return split(firstLine.startsWith("\uFEFF") ? firstLine.substring(1) : firstLine).length;
    }

    private String[] split(String line) {
        return fields.split(line);
    }

    /** The label columns as 0-based indices into a row of {@code fields} values. */
    private int[] resolveLabelColumns(int fields, long line) {
        List<Integer> columns = csv.labelColumns();
        int[] resolved = new int[columns.size()];
        boolean[] taken = new boolean[fields];
        for (int i = 0; i < resolved.length; i++) {
            int c = columns.get(i) < 0 ? fields + columns.get(i) : columns.get(i);
            if (c < 0 || c >= fields) {
                throw new InvalidDataException(name + ":" + line, "data.csv.label-columns names column "
                        + columns.get(i) + " but the rows have " + fields + " fields (columns 0.." + (fields - 1)
                        + ", split on " + csv.delimiterName() + ")");
            }
            if (taken[c]) {
                throw new InvalidDataException(name + ":" + line, "data.csv.label-columns names column " + c
                        + " twice");
            }
            taken[c] = true;
            resolved[i] = c;
        }
        if (resolved.length == fields) {
            throw new InvalidDataException(name + ":" + line, "every one of the " + fields + " fields is a label"
                    + " column (data.csv.label-columns), which leaves no features");
        }
        return resolved;
    }
}

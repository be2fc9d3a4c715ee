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
 * one, the first row). Blank lines are ignored; fields may be quoted ({@link CsvFields}).
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
        CsvRowParser parser = null;
        float[] featureRow = null;
        float[] targetRow = new float[width];
        long lineNumber = 0;
        int rows = 0;
        String line;
        while ((line = lines.readLine()) != null) {
            lineNumber++;
            if (lineNumber == 1) {
                line = CsvFields.withoutBom(line);
            }
            if (line.isBlank()) {
                continue;
            }
            if (parser == null) {
                int fields = fields(line, lineNumber);
                parser = new CsvRowParser(csv.delimiter(), fields, resolveLabelColumns(fields, lineNumber));
                featureRow = new float[parser.features()];
                if (csv.header()) {
                    continue;
                }
            }
            if (read(parser, line, lineNumber, bad, featureRow, targetRow, targets)) {
                for (float v : featureRow) {
                    features.add(v);
                }
                targets.add(targetRow);
                rows++;
            }
        }
        if (rows == 0) {
            throw new InvalidDataException(name, "holds no examples" + (bad.skipped() > 0
                    ? " (all " + bad.skipped() + " rows were bad and skipped)" : ""));
        }
        LabeledExamples examples = new LabeledExamples(new DenseFeatures(rows, parser.features(), features.toArray()),
                targets.build(name));
        return new TabularFile(examples, bad.skipped());
    }

    /** One row into the arrays, or false after {@code bad} rejected it. */
    private static boolean read(CsvRowParser parser, String line, long lineNumber, BadRows bad, float[] features,
                                float[] target, TargetColumns targets) {
        try {
            parser.read(line, features, target);
        } catch (BadRowException e) {
            bad.reject(lineNumber, e.problem());
            return false;
        }
        for (float t : target) {
            if (!targets.accept(t, lineNumber, bad)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The label columns (0-based) of a file whose first non-blank line is {@code firstLine} (the header, or the
     * first row): what an executor needs to read any split of it ({@link TextBlockDecoder}). Read on the driver.
     */
    public int[] labelColumns(String firstLine, long line) {
        return resolveLabelColumns(fields(firstLine, line), line);
    }

    /** The fields of the row {@code firstLine}, the file's {@code line}th. */
    public int fields(String firstLine, long line) {
        try {
            return fields.split(CsvFields.withoutBom(firstLine)).length;
        } catch (BadRowException e) {
            throw new InvalidDataException(name + ":" + line, e.problem());
        }
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

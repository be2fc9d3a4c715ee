package org.sparkddp.common.data;

import java.util.List;
import org.sparkddp.common.config.CsvConfig;
import org.sparkddp.common.error.InvalidDataException;

/**
 * The columns of a delimited text file of numbers: how many fields a row has, and which of them are the
 * {@code data.csv.label-columns} (the targets; every other column is a feature, in file order), from the file's
 * first non-blank line, the header or the first row. Resolved on the driver, once per file, for the executors that
 * decode its splits ({@link TextBlockDecoder}, {@link CsvRowParser}); a label column the rows do not have, or one
 * named twice, fails here with {@code file:line}.
 */
public final class CsvColumns {
    private final String name;
    private final CsvConfig csv;
    private final CsvFields fields;

    /**
     * @param name    the file's path or URI, for messages
     * @param options what the model wants of the labels: class indices take exactly one label column
     */
    public CsvColumns(String name, CsvConfig csv, ReadOptions options) {
        this.name = name;
        this.csv = csv;
        this.fields = new CsvFields(csv.delimiter());
        if (options.kind() == TargetKind.CLASS_INDEX && csv.labelColumns().size() != 1) {
            throw new org.sparkddp.common.error.InvalidConfigException("data.csv.label-columns", "must name exactly"
                    + " one column when the model wants class labels, but names " + csv.labelColumns().size());
        }
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

package org.sparkddp.driver.predict;

import org.sparkddp.common.data.CsvFields;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.sparkddp.common.config.BadRowPolicy;
import org.sparkddp.common.config.CsvConfig;

/**
 * A CSV line's features, by {@code CsvReader}'s rules: split on {@code data.csv.delimiter} (a run of blanks for
 * {@code space}), a byte-order mark and, with {@code data.csv.header}, the first line of each file skipped, blank
 * lines ignored, every field a finite number. The label columns ({@code data.csv.label-columns}) are dropped when
 * the rows have them; rows of the features alone are accepted too. Built on the driver with the field count the
 * first line shows; applied on the executors.
 */
final class CsvLines extends LineParser {
    private static final long serialVersionUID = 1L;

    private final CsvFields splitter;
    private final boolean header;
    private final int fields;
    /** Per field: whether it is a feature (false for a label column). */
    private final boolean[] feature;
    private final int width;

    /**
     * @param labelColumns the 0-based label columns, resolved against {@code fields}; empty for rows without them
     */
    CsvLines(CsvConfig csv, int fields, int[] labelColumns, BadRowPolicy policy) {
        super(policy);
        this.splitter = new CsvFields(csv.delimiter());
        this.header = csv.header();
        this.fields = fields;
        this.feature = new boolean[fields];
        java.util.Arrays.fill(feature, true);
        for (int c : labelColumns) {
            feature[c] = false;
        }
        this.width = fields - labelColumns.length;
    }

    @Override
    Vector parse(String file, long offset, String line) {
        if (offset == 0 && line.startsWith("\uFEFF")) {
            line = line.substring(1); // a byte-order mark, as spreadsheet exports write
        }
        if (line.isBlank() || (header && offset == 0)) {
            return null;
        }
        String[] values = splitter.split(line);
        if (values.length != fields) {
            throw reject(file, offset, CsvFields.countMismatch(fields, values.length, line));
        }
        double[] features = new double[width];
        int f = 0;
        for (int c = 0; c < fields; c++) {
            if (feature[c]) {
                features[f++] = number(file, offset, values[c].trim(), "field " + (c + 1));
            }
        }
        return Vectors.dense(features);
    }
}

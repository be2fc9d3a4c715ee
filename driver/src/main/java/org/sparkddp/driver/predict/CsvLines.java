package org.sparkddp.driver.predict;

import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.sparkddp.common.config.BadRowPolicy;
import org.sparkddp.common.config.CsvConfig;
import org.sparkddp.common.data.BadRowException;
import org.sparkddp.common.data.CsvFields;
import org.sparkddp.common.data.CsvRowParser;

/**
 * A CSV line's features, by training's row parser ({@link CsvRowParser}): fields split on {@code data.csv.delimiter}
 * (quotes read), a byte-order mark and, with {@code data.csv.header}, the first line of each file skipped, blank
 * lines ignored, every field a finite number. The label columns ({@code data.csv.label-columns}) are dropped when
 * the rows have them; rows of the features alone are accepted too. Built on the driver with the field count the
 * first line shows; applied on the executors.
 */
final class CsvLines extends LineParser {
    private static final long serialVersionUID = 1L;

    private final CsvRowParser parser;
    private final boolean header;

    /**
     * @param labelColumns the 0-based label columns, resolved against {@code fields}; empty for rows without them
     */
    CsvLines(CsvConfig csv, int fields, int[] labelColumns, BadRowPolicy policy) {
        super(policy);
        this.parser = new CsvRowParser(csv.delimiter(), fields, labelColumns);
        this.header = csv.header();
    }

    @Override
    Vector parse(String file, long offset, String line) {
        if (offset == 0) {
            line = CsvFields.withoutBom(line);
        }
        if (line.isBlank() || (header && offset == 0)) {
            return null;
        }
        float[] values = new float[parser.features()];
        try {
            parser.read(line, values, null);
        } catch (BadRowException e) {
            throw reject(file, offset, e.problem());
        }
        double[] features = new double[values.length];
        for (int f = 0; f < values.length; f++) {
            features[f] = values[f];
        }
        return Vectors.dense(features);
    }
}

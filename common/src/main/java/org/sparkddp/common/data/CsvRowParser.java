package org.sparkddp.common.data;

import java.io.Serializable;

/**
 * One CSV line to the numbers of one row: {@code fields} fields ({@link CsvFields}), each a finite number, the
 * label columns apart from the features. The one row parser of training (the block decoder), evaluation (the same
 * decoder, on the test file) and predict (its line parser, which drops the labels). Built on the driver from the
 * file's first line; applied on the executors.
 */
public final class CsvRowParser implements Serializable {
    private static final long serialVersionUID = 1L;

    private final CsvFields splitter;
    private final int fields;
    private final int[] targetOf;
    private final boolean[] isTarget;

    /**
     * @param delimiter {@code data.csv.delimiter}
     * @param fields    the fields every row has
     * @param targetOf  the label columns, 0-based and resolved against {@code fields}, in target order; empty for
     *                  rows of features alone
     */
    public CsvRowParser(char delimiter, int fields, int[] targetOf) {
        this.splitter = new CsvFields(delimiter);
        this.fields = fields;
        this.targetOf = targetOf.clone();
        this.isTarget = new boolean[fields];
        for (int column : targetOf) {
            isTarget[column] = true;
        }
    }

    /** The features of a row: its fields less the label columns. */
    public int features() {
        return fields - targetOf.length;
    }

    /**
     * Reads a row: its features in file order into {@code features}, and, unless {@code targets} is null, its label
     * columns in target order into {@code targets}.
     *
     * @throws BadRowException for a wrong field count, broken quoting, or a field that is not a finite number
     */
    public void read(String line, float[] features, float[] targets) {
        String[] values = splitter.split(line);
        if (values.length != fields) {
            throw new BadRowException("expected " + fields + " fields but got " + values.length);
        }
        int n = 0;
        for (int c = 0; c < fields; c++) {
            if (!isTarget[c]) {
                features[n++] = BadRowException.finite(values[c], "field " + (c + 1));
            }
        }
        if (targets != null) {
            for (int t = 0; t < targetOf.length; t++) {
                targets[t] = BadRowException.finite(values[targetOf[t]], "field " + (targetOf[t] + 1));
            }
        }
    }
}

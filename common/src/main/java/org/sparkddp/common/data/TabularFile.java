package org.sparkddp.common.data;

/**
 * The examples of one CSV or LibSVM file, as read (not yet normalized), and how many bad rows were skipped.
 *
 * @param examples    the rows that parsed, in file order, with {@link DenseFeatures}
 * @param skippedRows bad rows left out under {@code data.on-bad-row = skip}; 0 under fail
 */
public record TabularFile(LabeledExamples examples, long skippedRows) {
    public DenseFeatures features() {
        return (DenseFeatures) examples.features();
    }
}

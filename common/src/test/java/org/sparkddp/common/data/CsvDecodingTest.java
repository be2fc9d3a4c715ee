package org.sparkddp.common.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.BadRowPolicy;
import org.sparkddp.common.config.CsvConfig;
import org.sparkddp.common.config.DataFormat;
import org.sparkddp.common.error.InvalidDataException;

/**
 * CSV rows as the executors decode a whole file: the columns resolved from its first line ({@link CsvColumns}, as
 * the driver resolves them), then one block ({@link TextBlockDecoder}). What only the whole table shows (no rows
 * at all, a single class, a test file's classes) is checked where the driver assembles the blocks, in the
 * integration tests' {@code ExecutorDecodeTest}.
 */
class CsvDecodingTest {
    private static final String NAME = "data/train.csv";
    private static final ReadOptions CLASSES = ReadOptions.forTraining(TargetKind.CLASS_INDEX, BadRowPolicy.FAIL);
    private static final ReadOptions REAL = ReadOptions.forTraining(TargetKind.REAL, BadRowPolicy.FAIL);
    private static final ReadOptions BINARY = ReadOptions.forTraining(TargetKind.BINARY, BadRowPolicy.FAIL);

    static RowBlock decode(String text, CsvConfig csv, ReadOptions options) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        CsvFields.FirstLine first = CsvFields.firstLine(new ByteArrayInputStream(bytes));
        CsvColumns columns = new CsvColumns(NAME, csv, options);
        TextBlockDecoder decoder = new TextBlockDecoder(DataFormat.CSV, csv, options,
                columns.fields(first.text(), first.number()), columns.labelColumns(first.text(), first.number()));
        return decoder.decode(NAME, 0, Long.MAX_VALUE, new ByteArrayInputStream(bytes));
    }

    /** The one-line error of the block's first bad row, in the words {@code data.on-bad-row = fail} uses. */
    private static String failure(String text, CsvConfig csv, ReadOptions options) throws IOException {
        BlockCounts counts = decode(text, csv, options).counts();
        assertTrue(counts.bad() > 0, "no bad row in " + text);
        return new InvalidDataException(counts.badRowPlace(0), counts.firstBadProblem()).getMessage();
    }

    private static float[] row(RowBlock block, int row) {
        float[] out = new float[block.counts().features()];
        block.features(row, out, out.length);
        return out;
    }

    private static int[] labels(RowBlock block) {
        int[] labels = new int[block.rows()];
        float[] target = new float[1];
        for (int r = 0; r < labels.length; r++) {
            block.targets(r, target);
            labels[r] = (int) target[0];
        }
        return labels;
    }

    private static float[] targets(RowBlock block, int row, int width) {
        float[] out = new float[width];
        block.targets(row, out);
        return out;
    }

    @Test
    void everyNamedDelimiterSplitsTheSameTable() throws IOException {
        String[] texts = {"1,2,0\n3,4,1\n", "1\t2\t0\n3\t4\t1\n", "1;2;0\n3;4;1\n", "  1  2 0\n3\t 4   1  \n",
            "1|2|0\n3|4|1\n"};
        char[] delimiters = {',', '\t', ';', CsvConfig.WHITESPACE, '|'};
        for (int i = 0; i < texts.length; i++) {
            RowBlock e = decode(texts[i], new CsvConfig(delimiters[i], false, List.of(-1)), CLASSES);
            assertEquals(2, e.rows(), texts[i]);
            assertArrayEquals(new float[] {3, 4}, row(e, 1), 0f, texts[i]);
            assertArrayEquals(new int[] {0, 1}, labels(e), texts[i]);
            assertEquals(1, e.counts().maxLabel(), "two classes, 0 and 1: " + texts[i]);
            assertEquals(2, e.counts().features(), texts[i]);
        }
    }

    /** RFC 4180 quoting, CRLF line ends and a byte-order mark, as a spreadsheet export writes them. */
    @Test
    void quotedFieldsCrlfAndAByteOrderMarkAreRead() throws IOException {
        String text = "\uFEFF\"x, first\",\"the \"\"y\"\"\",label\r\n\"1.5\",\" 2 \",0\r\n3,\"4\",1\r\n";
        RowBlock e = decode(text, new CsvConfig(',', true, List.of(-1)), CLASSES);
        assertEquals(2, e.rows());
        assertArrayEquals(new float[] {1.5f, 2f}, row(e, 0), 0f);
        assertArrayEquals(new float[] {3f, 4f}, row(e, 1), 0f);
        assertArrayEquals(new int[] {0, 1}, labels(e));
        assertEquals("data/train.csv:3: a quoted field is not closed on its line (a line break inside quotes is not"
                + " read: the file is read in ranges that start at line breaks)",
                failure("1,2,0\r\n3,4,1\r\n\"5,6,0\r\n7\",8,1\r\n", new CsvConfig(',', false, List.of(-1)), CLASSES));
        assertEquals("data/train.csv:2: field 1 '1,5' is not a number",
                failure("1,2,0\n\"1,5\",4,1\n", new CsvConfig(',', false, List.of(-1)), CLASSES),
                "a quoted delimiter stays in its field");
    }

    @Test
    void headerIsSkippedAndFixesTheFieldCount() throws IOException {
        String text = "a,b,label\n1.5,-2,2\n\n0,1e-3,0\n";
        RowBlock e = decode(text, new CsvConfig(',', true, List.of(2)), CLASSES);
        assertEquals(2, e.rows());
        assertArrayEquals(new float[] {1.5f, -2f}, row(e, 0), 0f);
        assertArrayEquals(new float[] {0f, 1e-3f}, row(e, 1), 0f);
        assertEquals(2, e.counts().maxLabel(), "the largest label, of which the driver makes 3 classes");
        assertEquals("data/train.csv:2: expected 3 fields but got 2",
                failure("a,b,c\n1,2\n", new CsvConfig(',', true, List.of(-1)), CLASSES));
    }

    @Test
    void labelColumnAnywhereAndRegressionTargetsInOrder() throws IOException {
        RowBlock first = decode("1,10,20\n0,30,40\n", new CsvConfig(',', false, List.of(0)), CLASSES);
        assertArrayEquals(new int[] {1, 0}, labels(first));
        assertArrayEquals(new float[] {30, 40}, row(first, 1), 0f);

        // Two regression targets, named out of order: they come out in the order named.
        RowBlock e = decode("x,y1,z,y2\n1,0.5,2,-7\n3,1.25,4,8e2\n", new CsvConfig(',', true, List.of(-1, 1)), REAL);
        assertEquals(2, e.rows());
        assertArrayEquals(new float[] {1, 2}, row(e, 0), 0f);
        assertArrayEquals(new float[] {-7f, 0.5f}, targets(e, 0, 2), 0f);
        assertArrayEquals(new float[] {800f, 1.25f}, targets(e, 1, 2), 0f);
        assertEquals(0, e.counts().bad());
    }

    @Test
    void badRowsFailWithFileAndLine() throws IOException {
        CsvConfig csv = new CsvConfig(',', false, List.of(-1));
        assertEquals("data/train.csv:3: expected 3 fields but got 2", failure("1,2,0\n1,2,1\n1,2\n", csv, CLASSES));
        assertEquals("data/train.csv:2: field 2 'abc' is not a number", failure("1,2,0\n1,abc,1\n", csv, CLASSES));
        assertEquals("data/train.csv:1: field 1 is NaN, expected a finite number", failure("NaN,2,0\n", csv, REAL));
        assertEquals("data/train.csv:2: field 2 is -Infinity, expected a finite number",
                failure("1,2,0\n1,-Infinity,1\n", csv, REAL));
        assertEquals("data/train.csv:2: class label 1.5 is not a class index: a softmax output (loss cross-entropy or"
                        + " kl-divergence) wants a whole number in 0..classes-1",
                failure("1,2,0\n1,2,1.5\n", csv, CLASSES));
        assertEquals("data/train.csv:1: class label -1 is not a class index: a softmax output (loss cross-entropy or"
                        + " kl-divergence) wants a whole number in 0..classes-1",
                failure("1,2,-1\n", csv, CLASSES));
        assertEquals("data/train.csv:1: class label 70000 is not a class index: a softmax output (loss cross-entropy"
                        + " or kl-divergence) wants a whole number in 0..classes-1, and at most 65535",
                failure("1,2,70000\n", csv, CLASSES));
        assertEquals("data/train.csv:3: label -1 is not 0 or 1, which binary cross-entropy (a sigmoid output) wants",
                failure("1,2,0\n1,2,1\n1,2,-1\n", csv, BINARY));
        assertEquals("data/train.csv:1: label 0.5 is not 0 or 1, which binary cross-entropy (a sigmoid output) wants",
                failure("1,2,0.5\n", csv, BINARY));
        assertArrayEquals(new float[] {-1f}, targets(decode("1,2,-1\n", csv, REAL), 0, 1), 0f,
                "a real target may be anything");
        // Resolved on the driver, from the first line, before any executor decodes.
        assertEquals("data/train.csv:1: data.csv.label-columns names column 5 but the rows have 3 fields (columns"
                        + " 0..2, split on comma)",
                assertThrows(InvalidDataException.class,
                        () -> decode("1,2,0\n", new CsvConfig(',', false, List.of(5)), REAL)).getMessage());
    }

    @Test
    void badRowsAreLeftOutAndCounted() throws IOException {
        String text = "1,2,0\n1,2\n3,x,1\n5,6,1\n7,8,0.5\n9,NaN,1\n10,11,0\n";
        RowBlock e = decode(text, new CsvConfig(',', false, List.of(-1)),
                ReadOptions.forTraining(TargetKind.CLASS_INDEX, BadRowPolicy.SKIP));
        assertEquals(4, e.counts().bad());
        assertEquals(3, e.rows());
        assertArrayEquals(new int[] {0, 1, 0}, labels(e));
        assertArrayEquals(new float[] {5, 6}, row(e, 1), 0f);
        assertEquals(2, e.counts().firstBadLine());
    }

    @Test
    void testLabelsMustBeTrainingClasses() throws IOException {
        ReadOptions forTest = CLASSES.forTest(3, 1); // the training labels were 0..2, one feature
        CsvConfig csv = new CsvConfig(',', false, List.of(-1));
        assertEquals("data/train.csv:2: class label 3 is outside the training labels 0..2",
                failure("1,2\n1,3\n", csv, forTest));
        assertEquals(1, decode("1,0\n", csv, forTest).rows());
    }
}

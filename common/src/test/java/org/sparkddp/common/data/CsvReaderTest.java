package org.sparkddp.common.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.BadRowPolicy;
import org.sparkddp.common.config.CsvConfig;
import org.sparkddp.common.error.InvalidDataException;

class CsvReaderTest {
    private static final ReadOptions CLASSES = ReadOptions.forTraining(TargetKind.CLASS_INDEX, BadRowPolicy.FAIL);
    private static final ReadOptions REAL = ReadOptions.forTraining(TargetKind.REAL, BadRowPolicy.FAIL);
    private static final ReadOptions BINARY = ReadOptions.forTraining(TargetKind.BINARY, BadRowPolicy.FAIL);

    static TabularFile read(String text, CsvConfig csv, ReadOptions options) throws IOException {
        return new CsvReader("data/train.csv", csv, options)
                .read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static float[] row(LabeledExamples examples, int row) {
        float[] out = new float[examples.numFeatures()];
        examples.features().copyRow(row, out, 0);
        return out;
    }

    @Test
    void everyNamedDelimiterSplitsTheSameTable() throws IOException {
        String[] texts = {"1,2,0\n3,4,1\n", "1\t2\t0\n3\t4\t1\n", "1;2;0\n3;4;1\n", "  1  2 0\n3\t 4   1  \n",
            "1|2|0\n3|4|1\n"};
        char[] delimiters = {',', '\t', ';', CsvConfig.WHITESPACE, '|'};
        for (int i = 0; i < texts.length; i++) {
            LabeledExamples e = read(texts[i], new CsvConfig(delimiters[i], false, List.of(-1)), CLASSES).examples();
            assertEquals(2, e.size(), texts[i]);
            assertArrayEquals(new float[] {3, 4}, row(e, 1), 0f, texts[i]);
            assertArrayEquals(new int[] {0, 1}, e.classLabels().labels(), texts[i]);
            assertEquals(2, e.targetWidth());
            assertArrayEquals(new int[] {2}, e.inputShape());
        }
    }

    /** RFC 4180 quoting, CRLF line ends and a byte-order mark, as a spreadsheet export writes them. */
    @Test
    void quotedFieldsCrlfAndAByteOrderMarkAreRead() throws IOException {
        String text = "\uFEFF\"x, first\",\"the \"\"y\"\"\",label\r\n\"1.5\",\" 2 \",0\r\n3,\"4\",1\r\n";
        LabeledExamples e = read(text, new CsvConfig(',', true, List.of(-1)), CLASSES).examples();
        assertEquals(2, e.size());
        assertArrayEquals(new float[] {1.5f, 2f}, row(e, 0), 0f);
        assertArrayEquals(new float[] {3f, 4f}, row(e, 1), 0f);
        assertArrayEquals(new int[] {0, 1}, e.classLabels().labels());
        assertEquals("data/train.csv:3: a quoted field is not closed on its line (a line break inside quotes is not"
                + " read: the file is read in ranges that start at line breaks)", assertThrows(
                InvalidDataException.class, () -> read("1,2,0\r\n3,4,1\r\n\"5,6,0\r\n7\",8,1\r\n",
                        new CsvConfig(',', false, List.of(-1)), CLASSES)).getMessage());
        assertEquals("data/train.csv:2: field 1 '1,5' is not a number", assertThrows(InvalidDataException.class,
                () -> read("1,2,0\n\"1,5\",4,1\n", new CsvConfig(',', false, List.of(-1)), CLASSES)).getMessage(),
                "a quoted delimiter stays in its field");
    }

    @Test
    void headerIsSkippedAndFixesTheFieldCount() throws IOException {
        String text = "a,b,label\n1.5,-2,2\n\n0,1e-3,0\n";
        LabeledExamples e = read(text, new CsvConfig(',', true, List.of(2)), CLASSES).examples();
        assertEquals(2, e.size());
        assertArrayEquals(new float[] {1.5f, -2f}, row(e, 0), 0f);
        assertArrayEquals(new float[] {0f, 1e-3f}, row(e, 1), 0f);
        assertEquals(3, e.classLabels().numClasses(), "classes = largest training label + 1");
        InvalidDataException e2 = assertThrows(InvalidDataException.class,
                () -> read("a,b,c\n1,2\n", new CsvConfig(',', true, List.of(-1)), CLASSES));
        assertEquals("data/train.csv:2: expected 3 fields but got 2", e2.getMessage());
    }

    @Test
    void labelColumnAnywhereAndRegressionTargetsInOrder() throws IOException {
        LabeledExamples first = read("1,10,20\n0,30,40\n", new CsvConfig(',', false, List.of(0)), CLASSES).examples();
        assertArrayEquals(new int[] {1, 0}, first.classLabels().labels());
        assertArrayEquals(new float[] {30, 40}, row(first, 1), 0f);

        // Two regression targets, named out of order: they come out in the order named.
        TabularFile file = read("x,y1,z,y2\n1,0.5,2,-7\n3,1.25,4,8e2\n",
                new CsvConfig(',', true, List.of(-1, 1)), REAL);
        LabeledExamples e = file.examples();
        assertEquals(2, e.targetWidth());
        assertArrayEquals(new float[] {1, 2}, row(e, 0), 0f);
        RealTargets targets = (RealTargets) e.targets();
        assertArrayEquals(new float[] {-7f, 0.5f, 800f, 1.25f}, targets.values(), 0f);
        assertEquals(0, file.skippedRows());
    }

    @Test
    void badRowsFailWithFileAndLine() throws IOException {
        CsvConfig csv = new CsvConfig(',', false, List.of(-1));
        assertEquals("data/train.csv:3: expected 3 fields but got 2",
                assertThrows(InvalidDataException.class, () -> read("1,2,0\n1,2,1\n1,2\n", csv, CLASSES)).getMessage());
        assertEquals("data/train.csv:2: field 2 'abc' is not a number",
                assertThrows(InvalidDataException.class, () -> read("1,2,0\n1,abc,1\n", csv, CLASSES)).getMessage());
        assertEquals("data/train.csv:1: field 1 is NaN, expected a finite number",
                assertThrows(InvalidDataException.class, () -> read("NaN,2,0\n", csv, REAL)).getMessage());
        assertEquals("data/train.csv:2: field 2 is -Infinity, expected a finite number",
                assertThrows(InvalidDataException.class, () -> read("1,2,0\n1,-Infinity,1\n", csv, REAL)).getMessage());
        assertEquals("data/train.csv:2: class label 1.5 is not a class index: a softmax output (loss cross-entropy or"
                        + " kl-divergence) wants a whole number in 0..classes-1",
                assertThrows(InvalidDataException.class, () -> read("1,2,0\n1,2,1.5\n", csv, CLASSES)).getMessage());
        assertEquals("data/train.csv:1: class label -1 is not a class index: a softmax output (loss cross-entropy or"
                        + " kl-divergence) wants a whole number in 0..classes-1",
                assertThrows(InvalidDataException.class, () -> read("1,2,-1\n", csv, CLASSES)).getMessage());
        assertEquals("data/train.csv:1: class label 70000 is not a class index: a softmax output (loss cross-entropy"
                        + " or kl-divergence) wants a whole number in 0..classes-1, and at most 65535",
                assertThrows(InvalidDataException.class, () -> read("1,2,70000\n", csv, CLASSES)).getMessage());
        assertEquals("data/train.csv:3: label -1 is not 0 or 1, which binary cross-entropy (a sigmoid output) wants",
                assertThrows(InvalidDataException.class, () -> read("1,2,0\n1,2,1\n1,2,-1\n", csv, BINARY))
                        .getMessage());
        assertEquals("data/train.csv:1: label 0.5 is not 0 or 1, which binary cross-entropy (a sigmoid output) wants",
                assertThrows(InvalidDataException.class, () -> read("1,2,0.5\n", csv, BINARY)).getMessage());
        assertEquals(-1f, ((RealTargets) read("1,2,-1\n", csv, REAL).examples().targets()).get(0, 0),
                "a real target may be anything");
        assertEquals("data/train.csv:1: data.csv.label-columns names column 5 but the rows have 3 fields (columns"
                        + " 0..2, split on comma)",
                assertThrows(InvalidDataException.class,
                        () -> read("1,2,0\n", new CsvConfig(',', false, List.of(5)), REAL)).getMessage());
        assertEquals("data/train.csv: holds no examples",
                assertThrows(InvalidDataException.class, () -> read("\n\n", csv, REAL)).getMessage());
        assertEquals("data/train.csv: holds a single class (every label is 0)",
                assertThrows(InvalidDataException.class, () -> read("1,0\n2,0\n", csv, CLASSES)).getMessage());
    }

    @Test
    void skipLeavesBadRowsOutAndCountsThem() throws IOException {
        String text = "1,2,0\n1,2\n3,x,1\n5,6,1\n7,8,0.5\n9,NaN,1\n10,11,0\n";
        TabularFile file = read(text, new CsvConfig(',', false, List.of(-1)),
                ReadOptions.forTraining(TargetKind.CLASS_INDEX, BadRowPolicy.SKIP));
        assertEquals(4, file.skippedRows());
        assertEquals(3, file.examples().size());
        assertArrayEquals(new int[] {0, 1, 0}, file.examples().classLabels().labels());
        assertArrayEquals(new float[] {5, 6}, row(file.examples(), 1), 0f);
        assertEquals("data/train.csv: holds no examples (all 2 rows were bad and skipped)",
                assertThrows(InvalidDataException.class, () -> read("1,2,0\n1,2\n3,4\n",
                        new CsvConfig(',', true, List.of(-1)),
                        ReadOptions.forTraining(TargetKind.REAL, BadRowPolicy.SKIP))).getMessage());
    }

    @Test
    void testLabelsMustBeTrainingClasses() throws IOException {
        LabeledExamples train = read("1,0\n2,1\n3,2\n", new CsvConfig(',', false, List.of(-1)), CLASSES).examples();
        ReadOptions forTest = CLASSES.forTest(train);
        assertEquals("data/train.csv:2: class label 3 is outside the training labels 0..2",
                assertThrows(InvalidDataException.class, () -> read("1,2\n1,3\n",
                        new CsvConfig(',', false, List.of(-1)), forTest)).getMessage());
        // A test set without the largest class still has the training set's classes.
        LabeledExamples test = read("1,0\n", new CsvConfig(',', false, List.of(-1)), forTest).examples();
        assertEquals(3, test.targetWidth());
    }
}

package org.sparkddp.common.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.BadRowPolicy;
import org.sparkddp.common.error.InvalidDataException;

class LibSvmReaderTest {
    private static final ReadOptions CLASSES = ReadOptions.forTraining(TargetKind.CLASS_INDEX, BadRowPolicy.FAIL);

    private static TabularFile read(String name, String text, ReadOptions options) throws IOException {
        return new LibSvmReader(name, options).read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void oneBasedSparseRowsBecomeDenseWithTheLargestIndexAsWidth() throws IOException {
        String text = "# comment line\n1 1:0.5 3:2\n0 2:-1.5\n\n1 1:1 2:1 4:3.25  # trailing comment\n0\n";
        LabeledExamples e = read("train.svm", text, CLASSES).examples();
        assertEquals(4, e.size());
        assertEquals(4, e.numFeatures());
        assertArrayEquals(new float[] {0.5f, 0, 2, 0, 0, -1.5f, 0, 0, 1, 1, 0, 3.25f, 0, 0, 0, 0},
                ((DenseFeatures) e.features()).data(), 0f);
        assertArrayEquals(new int[] {1, 0, 1, 0}, e.classLabels().labels());
    }

    @Test
    void realTargetsAreCopied() throws IOException {
        LabeledExamples e = read("train.svm", "-0.25 1:1\n3.5 2:1\n", ReadOptions.forTraining(TargetKind.REAL,
                BadRowPolicy.FAIL)).examples();
        assertArrayEquals(new float[] {-0.25f, 3.5f}, ((RealTargets) e.targets()).values(), 0f);
    }

    @Test
    void testFileKeepsTheTrainingWidthAndMayNotExceedIt() throws IOException {
        LabeledExamples train = read("train.svm", "1 1:1 3:1\n0 2:1\n", CLASSES).examples();
        ReadOptions forTest = CLASSES.forTest(train);
        assertEquals(3, read("test.svm", "0 1:4\n", forTest).examples().numFeatures(),
                "a test file with smaller indices is padded to the training width");
        assertEquals("test.svm:2: feature index 4 is beyond the 3 features of the training set",
                assertThrows(InvalidDataException.class, () -> read("test.svm", "0 1:1\n1 4:1\n", forTest))
                        .getMessage());
    }

    @Test
    void badIndicesFailOrAreSkipped() throws IOException {
        assertEquals("t.svm:1: feature index 0 is not >= 1 (LibSVM indices start at 1)",
                assertThrows(InvalidDataException.class, () -> read("t.svm", "1 0:1 1:2\n", CLASSES)).getMessage());
        assertEquals("t.svm:2: feature index 2 follows 3: indices must be strictly increasing",
                assertThrows(InvalidDataException.class, () -> read("t.svm", "1 1:1\n0 3:1 2:1\n", CLASSES))
                        .getMessage());
        assertEquals("t.svm:1: feature index 2 follows 2: indices must be strictly increasing",
                assertThrows(InvalidDataException.class, () -> read("t.svm", "1 2:1 2:1\n", CLASSES)).getMessage());
        assertEquals("t.svm:1: expected index:value but got '7'",
                assertThrows(InvalidDataException.class, () -> read("t.svm", "1 7\n", CLASSES)).getMessage());
        assertEquals("t.svm:1: value of feature 2 'x' is not a number",
                assertThrows(InvalidDataException.class, () -> read("t.svm", "1 2:x\n", CLASSES)).getMessage());
        assertEquals("t.svm:1: label 'yes' is not a number",
                assertThrows(InvalidDataException.class, () -> read("t.svm", "yes 2:1\n", CLASSES)).getMessage());

        TabularFile skipped = read("t.svm", "1 0:1\n0 1:1\n1 3:1 2:1\n1 2:inf\n1 5:2\n",
                ReadOptions.forTraining(TargetKind.CLASS_INDEX, BadRowPolicy.SKIP));
        assertEquals(3, skipped.skippedRows());
        assertEquals(2, skipped.examples().size());
        assertEquals(5, skipped.examples().numFeatures(), "rows left out do not count toward the width");
    }
}

package org.sparkddp.common.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.BadRowPolicy;
import org.sparkddp.common.config.CsvConfig;
import org.sparkddp.common.config.DataFormat;
import org.sparkddp.common.error.InvalidDataException;

/** LibSVM rows as the executors decode a whole file ({@link TextBlockDecoder}, {@link LibSvmRow}'s rules). */
class LibSvmDecodingTest {
    private static final ReadOptions CLASSES = ReadOptions.forTraining(TargetKind.CLASS_INDEX, BadRowPolicy.FAIL);

    private static RowBlock decode(String name, String text, ReadOptions options) throws IOException {
        return new TextBlockDecoder(DataFormat.LIBSVM, CsvConfig.DEFAULT, options, 0, new int[0])
                .decode(name, 0, Long.MAX_VALUE, new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** The one-line error of the block's first bad row, in the words {@code data.on-bad-row = fail} uses. */
    private static String failure(String name, String text, ReadOptions options) throws IOException {
        BlockCounts counts = decode(name, text, options).counts();
        assertTrue(counts.bad() > 0, "no bad row in " + text);
        return new InvalidDataException(counts.badRowPlace(0), counts.firstBadProblem()).getMessage();
    }

    /** Every row, dense, {@code columns} features each. */
    private static float[] dense(RowBlock block, int columns) {
        float[] all = new float[block.rows() * columns];
        float[] row = new float[columns];
        for (int r = 0; r < block.rows(); r++) {
            block.features(r, row, columns);
            System.arraycopy(row, 0, all, r * columns, columns);
        }
        return all;
    }

    private static float[] targets(RowBlock block) {
        float[] all = new float[block.rows()];
        float[] target = new float[1];
        for (int r = 0; r < all.length; r++) {
            block.targets(r, target);
            all[r] = target[0];
        }
        return all;
    }

    @Test
    void oneBasedSparseRowsBecomeDenseWithTheLargestIndexAsWidth() throws IOException {
        String text = "# comment line\n1 1:0.5 3:2\n0 2:-1.5\n\n1 1:1 2:1 4:3.25  # trailing comment\n0\n";
        RowBlock e = decode("train.svm", text, CLASSES);
        assertEquals(4, e.rows());
        assertEquals(4, e.counts().features());
        assertArrayEquals(new float[] {0.5f, 0, 2, 0, 0, -1.5f, 0, 0, 1, 1, 0, 3.25f, 0, 0, 0, 0}, dense(e, 4), 0f);
        assertArrayEquals(new float[] {1, 0, 1, 0}, targets(e), 0f);
    }

    @Test
    void realTargetsAreCopied() throws IOException {
        RowBlock e = decode("train.svm", "-0.25 1:1\n3.5 2:1\n", ReadOptions.forTraining(TargetKind.REAL,
                BadRowPolicy.FAIL));
        assertArrayEquals(new float[] {-0.25f, 3.5f}, targets(e), 0f);
    }

    @Test
    void testFileKeepsTheTrainingWidthAndMayNotExceedIt() throws IOException {
        ReadOptions forTest = CLASSES.forTest(2, 3); // the training file: labels 0 and 1, largest index 3
        assertArrayEquals(new float[] {4, 0, 0}, dense(decode("test.svm", "0 1:4\n", forTest), 3), 0f,
                "a test file with smaller indices is padded to the training width");
        assertEquals("test.svm:2: feature index 4 is beyond the 3 features of the training set",
                failure("test.svm", "0 1:1\n1 4:1\n", forTest));
    }

    @Test
    void badIndicesFailOrAreSkipped() throws IOException {
        assertEquals("t.svm:1: feature index 0 is not >= 1 (LibSVM indices start at 1)",
                failure("t.svm", "1 0:1 1:2\n", CLASSES));
        assertEquals("t.svm:2: feature index 2 follows 3: indices must be strictly increasing",
                failure("t.svm", "1 1:1\n0 3:1 2:1\n", CLASSES));
        assertEquals("t.svm:1: feature index 2 follows 2: indices must be strictly increasing",
                failure("t.svm", "1 2:1 2:1\n", CLASSES));
        assertEquals("t.svm:1: expected index:value but got '7'", failure("t.svm", "1 7\n", CLASSES));
        assertEquals("t.svm:1: value of feature 2 'x' is not a number", failure("t.svm", "1 2:x\n", CLASSES));
        assertEquals("t.svm:1: label 'yes' is not a number", failure("t.svm", "yes 2:1\n", CLASSES));

        RowBlock skipped = decode("t.svm", "1 0:1\n0 1:1\n1 3:1 2:1\n1 2:inf\n1 5:2\n",
                ReadOptions.forTraining(TargetKind.CLASS_INDEX, BadRowPolicy.SKIP));
        assertEquals(3, skipped.counts().bad());
        assertEquals(2, skipped.rows());
        assertEquals(5, skipped.counts().features(), "rows left out do not count toward the width");
    }
}

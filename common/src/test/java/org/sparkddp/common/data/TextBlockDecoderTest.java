package org.sparkddp.common.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.BadRowPolicy;
import org.sparkddp.common.config.CsvConfig;
import org.sparkddp.common.config.DataFormat;

/** The executors' CSV decoder: quoted fields, CRLF and a byte-order mark, split anywhere, bad rows recorded. */
class TextBlockDecoderTest {
    private static final CsvConfig CSV = new CsvConfig(',', true, List.of(0));
    private static final ReadOptions CLASSES = ReadOptions.forTraining(TargetKind.CLASS_INDEX, BadRowPolicy.FAIL);
    private static final String FILE = "\uFEFF\"label\",\"a, first\",\"b \"\"2\"\"\"\r\n"
            + "1,\"0.5\",2\r\n"
            + "0,\"-1,5\",3\r\n" // a quoted delimiter: field 2 is "-1,5", not a number
            + "\r\n"
            + "1,\" 7 \",8\r\n"
            + "0,9,\"10\"\r\n";

    private static RowBlock decode(String text, long start, long end) throws IOException {
        TextBlockDecoder decoder = new TextBlockDecoder(DataFormat.CSV, CSV, CLASSES, 3, new int[] {0});
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int from = (int) Math.max(0, start - 1);
        return decoder.decode("in.csv", start, end, new ByteArrayInputStream(bytes, from, bytes.length - from));
    }

    private static List<String> rows(RowBlock... blocks) {
        List<String> rows = new ArrayList<>();
        float[] features = new float[2];
        float[] target = new float[1];
        for (RowBlock block : blocks) {
            for (int r = 0; r < block.rows(); r++) {
                block.features(r, features, 2);
                block.targets(r, target);
                rows.add(features[0] + " " + features[1] + " -> " + target[0]);
            }
        }
        return rows;
    }

    @Test
    void quotedFieldsAreReadAndABadRowIsRecordedWithItsLine() throws IOException {
        RowBlock whole = decode(FILE, 0, Long.MAX_VALUE);
        assertEquals(List.of("0.5 2.0 -> 1.0", "7.0 8.0 -> 1.0", "9.0 10.0 -> 0.0"), rows(whole));
        assertEquals(1, whole.counts().bad());
        assertEquals(3, whole.counts().firstBadLine());
        assertEquals("field 2 '-1,5' is not a number", whole.counts().firstBadProblem());
    }

    @Test
    void everySplitPointGivesTheSameRows() throws IOException {
        int length = FILE.getBytes(StandardCharsets.UTF_8).length;
        List<String> expected = rows(decode(FILE, 0, Long.MAX_VALUE));
        for (int cut = 1; cut < length; cut++) {
            assertEquals(expected, rows(decode(FILE, 0, cut), decode(FILE, cut, length)), "cut at byte " + cut);
        }
    }

    @Test
    void aWrongFieldCountAndAnOpenQuoteAreRecorded() throws IOException {
        RowBlock count = decode("l,a,b\n1,2\n", 0, Long.MAX_VALUE);
        assertEquals(2, count.counts().firstBadLine());
        assertEquals("expected 3 fields but got 2", count.counts().firstBadProblem());
        RowBlock open = decode("l,a,b\n1,2,3\n0,\"4,5\n", 0, Long.MAX_VALUE);
        assertEquals(1, open.rows());
        assertEquals(3, open.counts().firstBadLine());
        assertEquals("a quoted field is not closed on its line (a line break inside quotes is not read: the file is"
                + " read in ranges that start at line breaks)", open.counts().firstBadProblem());
    }

    /** With the quoted field a number, every row is read, each value as written. */
    @Test
    void aFileOfGoodRowsIsReadWhole() throws IOException {
        RowBlock block = decode(FILE.replace("\"-1,5\"", "\"-1.5\""), 0, Long.MAX_VALUE);
        assertEquals(List.of("0.5 2.0 -> 1.0", "-1.5 3.0 -> 0.0", "7.0 8.0 -> 1.0", "9.0 10.0 -> 0.0"), rows(block));
        assertEquals(0, block.counts().bad());
    }
}

package org.sparkddp.driver.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.BadRowPolicy;
import org.sparkddp.common.config.CsvConfig;
import org.sparkddp.common.config.DataFormat;
import org.sparkddp.common.data.ReadOptions;
import org.sparkddp.common.data.RowBlock;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.data.TextBlockDecoder;
import org.sparkddp.common.error.InvalidDataException;

/** predict's per-line parsers (the rules train's readers apply) and its choice of format. */
class PredictLinesTest {
    @Test
    void csvDropsTheLabelColumnsAndSkipsTheHeaderAndBlankLines() {
        CsvConfig csv = new CsvConfig(';', true, List.of(0, -1));
        CsvLines lines = new CsvLines(csv, 5, new int[] {0, 4}, BadRowPolicy.FAIL);
        assertNull(lines.parse("f.csv", 0, "\uFEFFlabel;a;b;c;target"), "the header: the first line of a file");
        assertNull(lines.parse("f.csv", 30, "   "));
        // Parsed as floats, as train parses them.
        assertArrayEquals(new double[] {0.5, -2, 1e-3f}, lines.parse("f.csv", 40, "7; 0.5;-2 ;1e-3;9").toArray());

        InvalidDataException wrong = assertThrows(InvalidDataException.class,
                () -> lines.parse("f.csv", 60, "7;0.5;-2;9"));
        assertEquals("f.csv (the line at byte 60): expected 5 fields but got 4", wrong.getMessage());
        InvalidDataException nan = assertThrows(InvalidDataException.class,
                () -> lines.parse("f.csv", 80, "7;0.5;NaN;1;9"));
        assertEquals("f.csv (the line at byte 80): field 3 is NaN, expected a finite number", nan.getMessage());

        // Under skip, the same row is left out (the caller counts it).
        CsvLines skipping = new CsvLines(csv, 5, new int[] {0, 4}, BadRowPolicy.SKIP);
        assertThrows(LineParser.Skipped.class, () -> skipping.parse("f.csv", 80, "7;0.5;x;1;9"));
    }

    /** Quoted fields, a byte-order mark and CRLF-ended lines (Hadoop strips the CR) read as training reads them. */
    @Test
    void csvReadsQuotedFieldsAsTrainingAndEvaluationDo() throws IOException {
        CsvConfig csv = new CsvConfig(',', true, List.of(0));
        String text = "\uFEFF\"label\",\"a, first\",\"b \"\"2\"\"\"\r\n1,\"0.5\",2\r\n0,\" -1.25e1 \",\"3\"\r\n1,7,8\r\n";
        CsvLines lines = new CsvLines(csv, 3, new int[] {0}, BadRowPolicy.FAIL);
        List<double[]> predicted = new ArrayList<>();
        long offset = 0;
        for (String line : text.split("\n")) {
            Vector v = lines.parse("f.csv", offset, line.replace("\r", ""));
            if (v != null) {
                predicted.add(v.toArray());
            }
            offset += line.getBytes(StandardCharsets.UTF_8).length + 1;
        }
        ReadOptions train = ReadOptions.forTraining(TargetKind.CLASS_INDEX, BadRowPolicy.FAIL);
        for (ReadOptions options : List.of(train, train.forTest(2, 2))) { // training's file, then evaluation's
            RowBlock block = new TextBlockDecoder(DataFormat.CSV, csv, options, 3, new int[] {0}).decode("f.csv", 0,
                    Long.MAX_VALUE, new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
            assertEquals(predicted.size(), block.rows());
            float[] row = new float[2];
            for (int r = 0; r < block.rows(); r++) {
                block.features(r, row, 2);
                assertArrayEquals(new double[] {row[0], row[1]}, predicted.get(r), 0.0, "row " + r);
            }
        }
        assertArrayEquals(new double[] {-12.5, 3}, predicted.get(1), 0.0);
        assertEquals("f.csv (the line at byte 9): a quoted field is not closed on its line (a line break inside quotes"
                + " is not read: the file is read in ranges that start at line breaks)", assertThrows(
                InvalidDataException.class, () -> lines.parse("f.csv", 9, "1,\"2,3")).getMessage());
    }

    @Test
    void libSvmIsSparseWithinTheModelsWidth() {
        LibSvmLines lines = new LibSvmLines(5, BadRowPolicy.FAIL);
        assertNull(lines.parse("f.svm", 0, "# a comment"));
        assertArrayEquals(new double[] {0, 0.5, 0, 0, -1}, lines.parse("f.svm", 12, "1 2:0.5 5:-1 # x").toArray());
        assertArrayEquals(new double[5], lines.parse("f.svm", 30, "0").toArray(), "no pairs: all zero");
        assertEquals("f.svm (the line at byte 40): feature index 6 is beyond the 5 features the model takes",
                assertThrows(InvalidDataException.class, () -> lines.parse("f.svm", 40, "1 6:1")).getMessage());
        assertEquals("f.svm (the line at byte 50): feature index 2 follows 3: indices must be strictly increasing",
                assertThrows(InvalidDataException.class, () -> lines.parse("f.svm", 50, "1 3:1 2:1")).getMessage());
    }

    @Test
    void theFormatIsTheConfigsWhenOneIsGivenElseTheNames() {
        assertEquals(DataFormat.IDX, PredictFormat.inferred("hdfs:///d/t10k-images-idx3-ubyte.gz"));
        assertEquals(DataFormat.IDX, PredictFormat.inferred("/d/t10k-images-idx3-ubyte"));
        assertEquals(DataFormat.CSV, PredictFormat.inferred("/d/rows.CSV.gz"));
        assertEquals(DataFormat.LIBSVM, PredictFormat.inferred("/d/a9a.libsvm"));
        assertEquals(DataFormat.LIBSVM, PredictFormat.inferred("/d/a9a.svm"));
        assertEquals(DataFormat.PARQUET, PredictFormat.inferred("hdfs:///scoring/in/"));
        assertEquals(DataFormat.CSV, PredictFormat.of(false, List.of("data.format=csv"), DataFormat.CSV, "/d/in"));
        assertEquals(DataFormat.LIBSVM, PredictFormat.of(true, List.of(), DataFormat.LIBSVM, "/d/in.csv"));
        assertEquals(DataFormat.PARQUET, PredictFormat.of(false, List.of("training.epochs=1"), DataFormat.IDX,
                "/d/in"), "the default config's idx is not a choice the user made");
    }
}

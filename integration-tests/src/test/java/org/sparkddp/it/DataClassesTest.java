package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.error.InvalidDataException;
import org.sparkddp.driver.data.Datasets;
import org.sparkddp.driver.data.JobData;

/**
 * {@code data.classes}: a label at or above it is a one-line error naming the file and the row (an IDX item);
 * without it the classes are the largest training label + 1, as before. Tabular data, which the executors decode,
 * has its cases in {@link ExecutorDecodeTest} (CSV, also skipped under {@code data.on-bad-row = skip}) and
 * {@link ParquetDecodeTest}.
 */
class DataClassesTest {
    @TempDir
    Path dir;

    /** 40 seeded 2x2 images whose labels are 0..9, except item {@code badItem}, which is {@code badLabel}. */
    private Path idx(String prefix, int badItem, int badLabel, boolean gzip) throws IOException {
        Random random = new Random(7);
        int n = 40;
        ByteArrayOutputStream images = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(images);
        out.writeInt(0x00000803);
        out.writeInt(n);
        out.writeInt(2);
        out.writeInt(2);
        for (int i = 0; i < 4 * n; i++) {
            out.writeByte(random.nextInt(256));
        }
        ByteArrayOutputStream labels = new ByteArrayOutputStream();
        DataOutputStream lout = new DataOutputStream(labels);
        lout.writeInt(0x00000801);
        lout.writeInt(n);
        for (int i = 0; i < n; i++) {
            lout.writeByte(i == badItem ? badLabel : i % 10);
        }
        String suffix = gzip ? ".gz" : "";
        Path imagesFile = dir.resolve(prefix + "-images-idx3-ubyte" + suffix);
        write(imagesFile, images.toByteArray(), gzip);
        write(dir.resolve(prefix + "-labels-idx1-ubyte" + suffix), labels.toByteArray(), gzip);
        return imagesFile;
    }

    private static void write(Path file, byte[] bytes, boolean gzip) throws IOException {
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file))
                : Files.newOutputStream(file)) {
            out.write(bytes);
        }
    }

    private static DataConfig config(String... settings) {
        List<String> all = new ArrayList<>(List.of("output.dir=/tmp/unused"));
        all.addAll(List.of(settings));
        return ConfigLoader.load(null, all).config().data();
    }

    @Test
    void anIdxLabelAtOrAboveDataClassesNamesTheLabelsFileAndItem() throws IOException {
        Path train = idx("train", 17, 200, true);
        Path test = idx("test", -1, 0, true);
        for (boolean gzip : new boolean[] {true, false}) {
            Path t = gzip ? train : idx("raw", 17, 200, false);
            DataConfig data = config("data.train=" + t, "data.test=" + test, "data.classes=10");
            String labels = t.toString().replace("-images-idx3-ubyte", "-labels-idx1-ubyte");
            InvalidDataException e = assertThrows(InvalidDataException.class,
                    () -> JobData.open(data, TargetKind.CLASS_INDEX, new Configuration()));
            assertEquals(labels + ": label 200 of item 17 is outside data.classes = 10 (labels 0..9)", e.getMessage());
            assertEquals(e.getMessage(), assertThrows(InvalidDataException.class,
                    () -> Datasets.load(data, TargetKind.CLASS_INDEX, new Configuration())).getMessage());
        }
        // Without data.classes the label byte decides, as before: 201 classes.
        DataConfig open = config("data.train=" + train, "data.test=" + test);
        assertEquals(201, JobData.open(open, TargetKind.CLASS_INDEX, new Configuration()).train().targetWidth());
        // A test label outside a fixed class count names the test labels file.
        DataConfig testBad = config("data.train=" + test, "data.test=" + idx("bad", 3, 10, true), "data.classes=10");
        assertTrue(assertThrows(InvalidDataException.class,
                () -> JobData.open(testBad, TargetKind.CLASS_INDEX, new Configuration())).getMessage()
                .endsWith("bad-labels-idx1-ubyte.gz: label 10 of item 3 is outside data.classes = 10 (labels 0..9)"));
    }
}

package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.data.UnsignedByteFeatures;
import org.sparkddp.driver.data.Datasets;

/** IDX files read the same whether gzipped or raw, through a file: URI or a plain path. */
class DatasetsTest {
    @TempDir
    Path dir;

    private void gunzip(String name) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(TestData.DIR.resolve(name + ".gz")))) {
            Files.write(dir.resolve(name), in.readAllBytes());
        }
    }

    @Test
    void rawAndGzippedFilesGiveTheSameExamples() throws IOException {
        for (String name : new String[] {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
            gunzip(name);
        }
        Datasets gz = Datasets.load(new DataConfig(TestData.TRAIN.toString(), TestData.TEST.toString()),
                TargetKind.CLASS_INDEX, new Configuration());
        Datasets raw = Datasets.load(new DataConfig(dir.resolve("train-images-idx3-ubyte").toUri().toString(),
                dir.resolve("t10k-images-idx3-ubyte").toString()), TargetKind.CLASS_INDEX, new Configuration());
        assertEquals(2000, raw.train().size());
        assertEquals(500, raw.test().size());
        assertEquals(784, raw.train().numFeatures());
        assertEquals(10, raw.train().targetWidth());
        assertArrayEquals(((UnsignedByteFeatures) gz.train().features()).data(),
                ((UnsignedByteFeatures) raw.train().features()).data());
        assertArrayEquals(gz.test().classLabels().labels(), raw.test().classLabels().labels());
    }
}

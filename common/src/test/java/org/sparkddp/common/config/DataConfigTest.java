package org.sparkddp.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.error.InvalidConfigException;

class DataConfigTest {
    private static DataConfig load(String... overrides) {
        List<String> all = new ArrayList<>(List.of("data.train=/d/train.csv", "data.test=/d/test.csv",
                "output.dir=/tmp/out"));
        all.addAll(Arrays.asList(overrides));
        return ConfigLoader.load(null, all).config().data();
    }

    @Test
    void defaultsAreIdxWithTabularDefaultsReady() {
        DataConfig data = load();
        assertEquals(DataFormat.IDX, data.format());
        assertEquals(Normalization.NONE, data.normalize());
        assertEquals(BadRowPolicy.FAIL, data.onBadRow());
        assertEquals(CsvConfig.DEFAULT, data.csv());
    }

    @Test
    void tabularKeysAreRead() {
        DataConfig data = load("data.format=csv", "data.csv.delimiter=tab", "data.csv.header=true",
                "data.csv.label-columns=[0, -2]", "data.normalize=standardize", "data.on-bad-row=skip");
        assertEquals(new CsvConfig('\t', true, List.of(0, -2)), data.csv());
        assertEquals(Normalization.STANDARDIZE, data.normalize());
        assertEquals(BadRowPolicy.SKIP, data.onBadRow());
        assertEquals(';', load("data.csv.delimiter=semicolon").csv().delimiter());
        assertEquals(CsvConfig.WHITESPACE, load("data.csv.delimiter=space").csv().delimiter());
        assertEquals('|', load("data.csv.delimiter=|").csv().delimiter());
    }

    @Test
    void dataFrameColumnsAreRead() {
        DataConfig data = load("data.format=parquet", "data.columns.features=[x1, \"x 2\"]", "data.columns.label=y",
                "data.columns.shape=[1, 2]", "data.normalize=standardize");
        assertEquals(DataFormat.PARQUET, data.format());
        assertEquals(new ColumnsConfig(List.of("x1", "x 2"), "y", List.of(1, 2)), data.columns());
        assertEquals(List.of("pixels"), load("data.columns.features=pixels").columns().features());
        assertEquals(ColumnsConfig.DEFAULT, load().columns());
        assertEquals(DataFormat.DATAFRAME_TABLE, load("data.format=dataframe-table").format());
        assertEquals("--set: data.columns.features[1]: names column 'a' twice", assertThrows(
                InvalidConfigException.class, () -> load("data.columns.features=[a, a]")).getMessage());
        assertEquals("--set: data.columns.features[1]: expected a name but got 3",
                assertThrows(InvalidConfigException.class, () -> load("data.columns.features=[a, 3]")).getMessage());
    }

    @Test
    void badValuesNameTheirKey() {
        assertEquals("--set: data.format: must be one of idx, csv, libsvm, parquet, dataframe-table but got 'orc'",
                assertThrows(InvalidConfigException.class, () -> load("data.format=orc")).getMessage());
        assertEquals("--set: data.normalize: must be none for data.format = idx (pixels are already scaled to [0, 1])"
                        + " but got scale",
                assertThrows(InvalidConfigException.class, () -> load("data.normalize=scale")).getMessage());
        assertEquals("--set: data.csv.delimiter: must be comma, tab, semicolon, space or a single character but got"
                        + " 'pipe'",
                assertThrows(InvalidConfigException.class, () -> load("data.csv.delimiter=pipe")).getMessage());
        assertEquals("--set: data.csv.label-columns: must name at least one column",
                assertThrows(InvalidConfigException.class, () -> load("data.csv.label-columns=[]")).getMessage());
        assertEquals("--set: data.csv.delimiter: cannot be '.': it can be part of a number",
                assertThrows(InvalidConfigException.class, () -> load("data.csv.delimiter=.")).getMessage());
    }
}

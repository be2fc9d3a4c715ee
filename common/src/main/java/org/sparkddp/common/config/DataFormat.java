package org.sparkddp.common.config;

/** The layout of the data files; see {@code data.format} in defaults.conf. */
public enum DataFormat implements ConfigChoice {
    /** IDX images and labels (Fashion-MNIST), pixels scaled to [0, 1]. */
    IDX,
    /** Delimited text, one example per line, with label or target columns. */
    CSV,
    /** Sparse text lines {@code label index:value ...}, 1-based indices, stored densely. */
    LIBSVM,
    /** Parquet files (a file or a directory of them), read through Spark SQL; columns from {@code data.columns}. */
    PARQUET,
    /** A table of the Spark session's catalog (Hive metastore or in-memory), read through Spark SQL. */
    DATAFRAME_TABLE;

    /** Whether reading this format needs a SparkSession, which then starts before the data is checked. */
    public boolean readBySpark() {
        return this == PARQUET || this == DATAFRAME_TABLE;
    }

    /** Whether examples are rows of numbers (everything but IDX images), so that normalization applies. */
    public boolean tabular() {
        return this != IDX;
    }
}

package org.sparkddp.common.config;

/** The layout of the data files; see {@code data.format} in defaults.conf. */
public enum DataFormat implements ConfigChoice {
    /** IDX images and labels (Fashion-MNIST), pixels scaled to [0, 1]. */
    IDX,
    /** Delimited text, one example per line, with label or target columns. */
    CSV,
    /** Sparse text lines {@code label index:value ...}, 1-based indices, stored densely. */
    LIBSVM;
}

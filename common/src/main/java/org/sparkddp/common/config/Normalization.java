package org.sparkddp.common.config;

/** How tabular features are rescaled, with statistics of the training set only; see {@code data.normalize}. */
public enum Normalization implements ConfigChoice {
    /** Features are used as read. */
    NONE,
    /** Min-max scaling of each feature to [0, 1] with the training set's minimum and maximum. */
    SCALE,
    /** Each feature shifted and scaled to zero mean and unit variance on the training set. */
    STANDARDIZE;
}

package org.sparkddp.common.config;

import java.io.Serializable;

/**
 * The {@code data} section: where the examples come from.
 *
 * @param train training images (IDX); the labels file is found beside it
 * @param test  test images (IDX), evaluated after every epoch
 */
public record DataConfig(String train, String test) implements Serializable {
    public DataConfig {
        Checks.nonBlank("data.train", train);
        Checks.nonBlank("data.test", test);
    }
}

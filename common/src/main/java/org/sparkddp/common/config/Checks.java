package org.sparkddp.common.config;

import org.sparkddp.common.error.InvalidConfigException;

/** Range checks shared by the config records' compact constructors. Each names the key it checks. */
final class Checks {
    private Checks() {
    }

    static int positive(String key, int value) {
        if (value <= 0) {
            throw new InvalidConfigException(key, "must be > 0 but got " + value);
        }
        return value;
    }

    static long positive(String key, long value) {
        if (value <= 0) {
            throw new InvalidConfigException(key, "must be > 0 but got " + value);
        }
        return value;
    }

    static double positiveFinite(String key, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new InvalidConfigException(key, "must be a finite number > 0 but got " + value);
        }
        return value;
    }

    static String nonBlank(String key, String value) {
        if (value == null || value.isBlank()) {
            throw new InvalidConfigException(key, "must not be empty");
        }
        return value;
    }

    static <T> T present(String key, T value) {
        if (value == null) {
            throw new InvalidConfigException(key, "is required but not set");
        }
        return value;
    }
}

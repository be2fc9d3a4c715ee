package org.sparkddp.common.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.sparkddp.common.error.InvalidInputException;

/** Loads a config file's text (named {@code job.conf} in errors) with the required keys set, for config tests. */
final class ConfigText {
    static final List<String> REQUIRED = List.of("data.train=/d/train-images-idx3-ubyte.gz",
            "data.test=/d/t10k-images-idx3-ubyte.gz", "output.dir=/tmp/out");

    private ConfigText() {
    }

    static SparkDdpConfig load(String text, String... overrides) {
        List<String> all = new ArrayList<>(REQUIRED);
        all.addAll(List.of(overrides));
        return ConfigLoader.load(new ConfigLoader.Source("job.conf", text), all).config();
    }

    /** The one-line error loading this text gives. */
    static String failure(String text, String... overrides) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> load(text, overrides));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }
}

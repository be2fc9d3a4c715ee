package org.sparkddp.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.error.InvalidConfigException;

class ValidationConfigTest {
    private static SparkDdpConfig load(String... overrides) {
        List<String> all = new ArrayList<>(List.of("data.train=/d/train.csv", "data.test=/d/test.csv",
                "output.dir=/tmp/out"));
        all.addAll(Arrays.asList(overrides));
        return ConfigLoader.load(null, all).config();
    }

    private static String error(String... overrides) {
        return assertThrows(InvalidConfigException.class, () -> load(overrides)).getMessage();
    }

    @Test
    void offByDefault() {
        SparkDdpConfig config = load();
        assertEquals(ValidationConfig.NONE, config.validation());
        assertEquals(Optional.empty(), config.data().validation());
        assertFalse(config.validation().earlyStopping());
    }

    @Test
    void keysAreRead() {
        SparkDdpConfig config = load("validation.fraction=0.1", "validation.every-epochs=2", "validation.patience=3",
                "validation.min-delta=0.001");
        assertEquals(new ValidationConfig(0.1, 2, OptionalInt.of(3), 0.001), config.validation());
        assertEquals(Optional.of("/d/val.csv"), load("data.validation=/d/val.csv", "validation.patience=1").data()
                .validation());
    }

    @Test
    void dueEveryNEpochsAndAfterTheLast() {
        ValidationConfig every3 = new ValidationConfig(0.1, 3, OptionalInt.empty(), 0);
        List<Integer> due = new ArrayList<>();
        for (int epoch = 0; epoch < 10; epoch++) {
            if (every3.dueAfter(epoch, epoch + 1 == 10)) {
                due.add(epoch + 1);
            }
        }
        assertEquals(List.of(3, 6, 9, 10), due);
        assertTrue(ValidationConfig.NONE.dueAfter(0, false));
    }

    @Test
    void badSettingsNameTheirKey() {
        assertEquals("--set: validation.patience: needs a validation set: set validation.fraction or data.validation"
                + " (early stopping never looks at the test set)", error("validation.patience=2"));
        assertEquals("--set: validation.fraction: is 0.2 but data.validation is set too: take the validation set from"
                + " one of them", error("validation.fraction=0.2", "data.validation=/d/val.csv"));
        assertEquals("--set: validation.fraction: must be at least 0 and less than 1 but got 1.0",
                error("validation.fraction=1"));
        assertEquals("--set: validation.every-epochs: must be > 0 but got 0", error("validation.every-epochs=0"));
        assertEquals("--set: validation.patience: must be > 0 but got 0",
                error("validation.fraction=0.1", "validation.patience=0"));
        assertEquals("--set: validation.min-delta: must be a finite number >= 0 but got -0.1",
                error("validation.min-delta=-0.1"));
        assertEquals("--set: validation.patience: expected an integer but got 'soon'",
                error("validation.fraction=0.1", "validation.patience=soon"));
    }
}

package org.sparkddp.driver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.error.InvalidInputException;

/** {@code --overwrite}: the config key output.overwrite, for the commands that write results. */
class OverwriteOptionTest {
    @Test
    void itSetsOutputOverwriteAfterTheOtherSettings() {
        CommandLine train = CommandLine.parse(new String[] {"train", "--overwrite", "--set", "training.epochs=2"});
        assertEquals(List.of("output.overwrite=true", "training.epochs=2"), train.overrides());
        CommandLine search = CommandLine.parse(new String[] {"search", "--grid", "g.conf", "--overwrite"});
        assertEquals(List.of("output.overwrite=true"), search.overrides());
        CommandLine predict = CommandLine.parse(new String[] {"predict", "--model", "m.zip", "--input", "in",
                "--output", "out", "--overwrite"});
        assertEquals(List.of("output.overwrite=true"), predict.overrides());
    }

    @Test
    void withoutItNothingIsOverwritten() {
        assertEquals(List.of(), CommandLine.parse(new String[] {"train"}).overrides());
    }

    @Test
    void evaluateHasNoSuchOption() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> CommandLine.parse(new String[] {"evaluate", "--model", "m.zip", "--overwrite"}));
        assertTrue(e.getMessage().contains("--overwrite is an option of train, search, predict and export"),
                e.getMessage());
    }
}

package org.sparkddp.driver.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class BatchSizeWarningTest {
    @Test
    void aGlobalBatchLargerThanTheTrainingSetIsNamed() {
        assertEquals(Optional.of("warning: training.batch-size = 5,000 is more than the 2,000 training examples, so"
                + " each epoch is one iteration on all of them; set a smaller batch for more steps per epoch"),
                BatchSizeWarning.of(5000, 2000));
    }

    @Test
    void aBatchThatFitsGivesNoWarning() {
        assertTrue(BatchSizeWarning.of(2000, 2000).isEmpty(), "exactly the training set: one iteration, as asked");
        assertTrue(BatchSizeWarning.of(128, 2000).isEmpty());
    }
}

package org.sparkddp.driver.output;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The console's start-of-run lines besides the header: skipped rows, and a resume on another worker count. */
class RunHeaderTest {
    @Test
    void skippedRowsAreCountedPerFileAndNoneSaysNothing() {
        assertEquals(Optional.empty(), RunHeader.skipped("train.csv", 0));
        assertEquals(Optional.of("train.csv: skipped 1 bad row (data.on-bad-row = skip)"),
                RunHeader.skipped("train.csv", 1));
        assertEquals(Optional.of("test.csv: skipped 1,234 bad rows (data.on-bad-row = skip)"),
                RunHeader.skipped("test.csv", 1234));
    }

    @Test
    void aResumeNamesAResizeOnlyWhenTheWorkerCountChanged() {
        assertEquals("resuming from /ckpt/42 at iteration 42", RunHeader.resuming("/ckpt/42", 42, 2, 2));
        assertEquals("resuming from /ckpt/42 at iteration 42 on 4 workers instead of 2 (a resize: the same batches,"
                + " their float sums added in another order)", RunHeader.resuming("/ckpt/42", 42, 2, 4));
    }
}

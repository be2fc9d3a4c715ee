package org.sparkddp.driver.output;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.data.TargetKind;

/** The console header's statement of the network's outputs and where their number came from. */
class HeaderTargetsTest {
    @Test
    void classesNameTheirSourceAndRealTargetsAreOutputs() {
        assertEquals("10 classes (data.classes)", RunHeader.targets(TargetKind.CLASS_INDEX, OptionalInt.of(10), 10));
        assertEquals("3 classes (from the training labels)",
                RunHeader.targets(TargetKind.CLASS_INDEX, OptionalInt.empty(), 3));
        assertEquals("1 output (real targets)", RunHeader.targets(TargetKind.REAL, OptionalInt.empty(), 1));
        assertEquals("2 outputs (real targets)", RunHeader.targets(TargetKind.REAL, OptionalInt.empty(), 2));
    }
}

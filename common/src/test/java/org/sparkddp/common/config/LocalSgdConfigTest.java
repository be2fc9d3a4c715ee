package org.sparkddp.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkddp.common.config.ConfigText.failure;
import static org.sparkddp.common.config.ConfigText.load;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.model.NetworkSpec;

/** The training.average-* keys of local SGD: defaults, reading, and one-line errors that name the key. */
class LocalSgdConfigTest {
    @Test
    void defaultsArePlainAveragingFromTheStart() {
        LocalSgdConfig c = load("").training().localSgd();
        assertEquals(LocalSgdConfig.PLAIN, c);
        assertFalse(c.hasOuterStep());
        assertFalse(c.hasOuterMomentum());
    }

    @Test
    void keysAreReadInAverageMode() {
        LocalSgdConfig c = load("training { mode = average\naverage-warmup-iterations = 50\naverage-outer-lr = 0.7 }",
                "training.average-outer-momentum=0.9").training().localSgd();
        assertEquals(new LocalSgdConfig(50, 0.7, 0.9), c);
        assertTrue(c.hasOuterStep());
        assertTrue(c.hasOuterMomentum());
        assertTrue(new LocalSgdConfig(0, 0.5, 0).hasOuterStep(), "a learning rate alone is an outer step");
        assertFalse(new LocalSgdConfig(0, 0.5, 0).hasOuterMomentum());
    }

    @Test
    void outOfRangeValuesNameTheKey() {
        assertEquals("job.conf:1: training.average-warmup-iterations: must be >= 0 but got -3",
                failure("training { mode = average, average-warmup-iterations = -3 }"));
        assertEquals("--set: training.average-outer-lr: must be a finite number > 0 but got 0.0",
                failure("training.mode = average", "training.average-outer-lr=0"));
        assertEquals("--set: training.average-outer-lr: must be a finite number > 0 but got -1.0",
                failure("training.mode = average", "training.average-outer-lr=-1"));
        assertEquals("--set: training.average-outer-momentum: must be in [0, 1) but got 1.0",
                failure("training.mode = average", "training.average-outer-momentum=1"));
        assertEquals("--set: training.average-outer-momentum: must be in [0, 1) but got -0.5",
                failure("training.mode = average", "training.average-outer-momentum=-0.5"));
    }

    @Test
    void illTypedValuesNameTheKey() {
        assertTrue(failure("training { mode = average, average-warmup-iterations = many }")
                .startsWith("job.conf:1: training.average-warmup-iterations: "));
        assertTrue(failure("training { mode = average, average-warmup-iterations = 2.5 }")
                .startsWith("job.conf:1: training.average-warmup-iterations: "));
        assertTrue(failure("training.mode = average", "training.average-outer-lr=fast")
                .startsWith("--set: training.average-outer-lr: "));
        assertTrue(failure("training { mode = average, average-outer-momentum = [0.9] }")
                .startsWith("job.conf:1: training.average-outer-momentum: "));
    }

    @Test
    void theKeysOutsideAverageModeAreRejected() {
        assertEquals("job.conf:1: training.average-warmup-iterations: applies only with training.mode = average",
                failure("training.average-warmup-iterations = 10"));
        assertEquals("--set: training.average-outer-momentum: applies only with training.mode = average",
                failure("", "training.average-outer-momentum=0.9"));
    }

    @Test
    void onlyAnOuterMomentumGrowsTheOptimizerState() {
        SparkDdpConfig momentum = load("training { mode = average, average-outer-momentum = 0.9 }");
        SparkDdpConfig rate = load("training { mode = average, average-outer-lr = 0.5 }");
        assertTrue(NetworkSpec.of(momentum, new int[] {4}, 3).outerMomentum());
        assertFalse(NetworkSpec.of(rate, new int[] {4}, 3).outerMomentum());
        assertFalse(NetworkSpec.of(load(""), new int[] {4}, 3).outerMomentum());
        assertEquals(List.of(4), NetworkSpec.of(momentum, new int[] {4}, 3).inputShape());
    }
}

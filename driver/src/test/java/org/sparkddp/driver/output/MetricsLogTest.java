package org.sparkddp.driver.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkddp.driver.train.StageRecord;

/** How metrics.jsonl records a stage that failed and ran again: a retry line, and the failed time as a gap. */
class MetricsLogTest {
    private static final long SECOND = 1_000_000_000L;

    /** A stage of 6 iterations, 1 s each in its successful attempt, after {@code failedSeconds} of failed attempts. */
    private static StageRecord stage(int attempts, long failedSeconds) {
        long[] ends = new long[6];
        for (int i = 0; i < ends.length; i++) {
            ends[i] = (i + 1) * SECOND;
        }
        return new StageRecord(1, 40, new float[] {1, 1, 1, 1, 1, 1}, new int[] {64, 64, 64, 64, 64, 64}, ends,
                (7 + failedSeconds) * SECOND, 0, 0, attempts, attempts > 1 ? 3 : 0, failedSeconds * SECOND,
                List.of(), attempts > 1 ? 1 : 2, List.of());
    }

    private static List<JsonNode> lines(MetricsLog log) {
        return log.lines().stream().map(Json::parse).toList();
    }

    @Test
    void aRetriedStageIsOneRetryLineAndItsIterationsComeAfterTheFailedTime() {
        // The run started 100 s ago; the stage took its last 19 s, 12 of them in a failed attempt.
        long before = System.nanoTime();
        MetricsLog log = new MetricsLog(null, 2, before - 100 * SECOND);
        log.onStage(stage(2, 12), 100, 3);
        // The log reads the clock when the stage ends: whatever time passed here moves its times on by as much.
        double late = (System.nanoTime() - before) / 1e9;
        List<JsonNode> lines = lines(log);
        JsonNode retry = lines.get(0);
        assertEquals("retry", retry.path("type").asText());
        assertEquals(2, retry.path("epoch").asInt());
        assertEquals(41, retry.path("iteration").asLong(), "the first iteration done again");
        assertEquals(2, retry.path("attempts").asInt());
        assertEquals(12.0, retry.path("failed_seconds").asDouble());
        assertEquals(1, retry.path("workers").asInt());
        List<JsonNode> iterations = lines.subList(1, lines.size());
        assertEquals(List.of(42L, 44L, 46L), iterations.stream().map(n -> n.path("iteration").asLong()).toList());
        // The stage began 81 s in; its failed attempt took 12 s of that, so its iterations are after 93 s.
        double firstEnd = iterations.get(0).path("elapsed_seconds").asDouble();
        assertTrue(firstEnd >= 81 + 12 && firstEnd <= 100 + late, "first logged iteration at " + firstEnd + " s");
        assertTrue(retry.path("elapsed_seconds").asDouble() < firstEnd);
    }

    @Test
    void aStageThatRanOnceHasNoRetryLine() {
        MetricsLog log = new MetricsLog(null, 2, System.nanoTime() - 100 * SECOND);
        log.onStage(stage(1, 0), 100, 3);
        assertTrue(lines(log).stream().allMatch(n -> n.path("type").asText().equals("iteration")));
        assertEquals(3, lines(log).size());
    }
}

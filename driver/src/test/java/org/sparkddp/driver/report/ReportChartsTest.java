package org.sparkddp.driver.report;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which charts a run gets: the worker count only where it changed. */
class ReportChartsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode node(String json) throws Exception {
        return JSON.readTree(json);
    }

    private static RunRecord run(int... workers) throws Exception {
        List<JsonNode> epochs = List.of(node("{\"type\":\"epoch\",\"epoch\":1,\"iterations\":30,\"train_loss\":0.9,"
                + "\"test_cross_entropy\":0.8,\"train_seconds\":3,\"compute_ms_per_iteration\":5,"
                + "\"sync_ms_per_iteration\":1}"));
        java.util.ArrayList<JsonNode> iterations = new java.util.ArrayList<>();
        for (int i = 0; i < workers.length; i++) {
            iterations.add(node("{\"type\":\"iteration\",\"epoch\":1,\"iteration\":" + (10 * (i + 1)) + ",\"loss\":1.0,"
                    + "\"samples_per_second\":100,\"elapsed_seconds\":" + (i + 1) + ",\"workers\":" + workers[i] + "}"));
        }
        return new RunRecord(epochs, iterations, node("{}"));
    }

    @Test
    void aResizedRunDrawsItsWorkersOverTime() throws Exception {
        assertTrue(ReportCharts.draw(run(2, 1, 1)).containsKey("Workers over time"));
    }

    @Test
    void aFixedCountDrawsNoWorkerChart() throws Exception {
        assertFalse(ReportCharts.draw(run(2, 2, 2)).containsKey("Workers over time"));
    }
}

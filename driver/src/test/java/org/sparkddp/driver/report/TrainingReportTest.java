package org.sparkddp.driver.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The page's text as a person reads it: figures rounded with units, both worker counts, a readable matrix. */
class TrainingReportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CELL = Pattern.compile("<td style=\"background:#([0-9a-f]{6});[^\"]*\">([0-9,]+)</td>");

    /** An elastic run's summary as Summary writes it: full-precision doubles, 2 workers down to 1. */
    private static final String SUMMARY = """
            {"test_accuracy":0.8970000000000001,"test_loss":0.31394283241564547,"train_loss":0.14771234,
             "epochs":20,"iterations":9380,"workers":2,"mode":"sync","batch_size":128,"wall_seconds":61.234,
             "train_seconds":21.874,"samples_per_second":54842.819,"sync_ms_per_iteration":1.5734,
             "compute_ms_per_iteration":2.3312,"stage_retries":1,"iterations_redone":12,"failed_attempt_seconds":6.512,
             "resizes":[{"iteration":481,"epoch":2,"from":2,"to":1,"reason":"lost","wait_seconds":3.01}],
             "final_workers":1,"parameters":235146,"train_examples":60000,"test_examples":10000,
             "confusion_matrix":[[866,1,131],[0,968,3],[80,12,0]],
             "seed":42,"spark_master":"spark://127.0.0.1:7077","config":{"training":{"epochs":20}}}""";

    private static String page() throws Exception {
        JsonNode epoch = JSON.readTree("{\"type\":\"epoch\",\"epoch\":1,\"train_loss\":0.5,\"test_loss\":0.4}");
        return TrainingReport.page(new RunRecord(List.of(epoch), List.of(), List.of(), JSON.readTree(SUMMARY)), Map.of());
    }

    @Test
    void figuresAreRoundedAndCarryTheirUnits() throws Exception {
        String page = page();
        String figures = page.substring(0, page.indexOf("<h2>"));
        assertFalse(Pattern.compile("\\d\\.\\d{5,}").matcher(figures).find(), "a figure at full precision: " + figures);
        assertTrue(figures.contains("<td>0.3139</td>"), figures);
        assertTrue(figures.contains("<td>0.8970</td>"), figures);
        assertTrue(figures.contains("<td>54,843 samples/s</td>"), figures);
        assertTrue(figures.contains("<td>21.9 s</td>"), figures);
        assertTrue(figures.contains("<td>1 min 1 s</td>"), figures);
        assertTrue(figures.contains("<td>2.33 ms</td>"), figures);
        assertTrue(figures.contains("<td>9,380</td>") && figures.contains("<td>235,146</td>"), figures);
    }

    @Test
    void theWorkerRowGivesTheCountAtTheStartAndAtTheEnd() throws Exception {
        Matcher row = Pattern.compile("<tr><th>workers</th><td>([^<]*)</td>").matcher(page());
        assertTrue(row.find());
        assertTrue(row.group(1).startsWith("2 at the start, 1 at the end"), row.group(1));
        assertTrue(row.group(1).contains("iteration 481"), row.group(1));
        // A fixed count is one figure.
        assertEquals("2", SummaryRows.workers(JSON.readTree("{\"workers\":2,\"final_workers\":2,\"resizes\":[]}")));
        // An elastic run the cluster sized below training.workers started on the smaller count.
        assertTrue(SummaryRows.workers(JSON.readTree("{\"workers\":4,\"final_workers\":3,\"resizes\":[{\"iteration\":0,"
                + "\"epoch\":1,\"from\":4,\"to\":3,\"reason\":\"start\"}]}")).startsWith("3 at the start, 3 at the end"));
    }

    @Test
    void theConfusionMatrixPrintsEveryCountAndShadesZeroApartFromAMidCount() throws Exception {
        Matcher m = CELL.matcher(page());
        Map<Long, String> colourOf = new java.util.HashMap<>();
        int cells = 0;
        while (m.find()) {
            colourOf.put(Long.parseLong(m.group(2).replace(",", "")), m.group(1));
            cells++;
        }
        assertEquals(9, cells, "every cell printed with its shade");
        // 131 is a seventh of the largest count: on a linear scale it would be nearly white, like 0.
        assertTrue(distance(colourOf.get(0L), colourOf.get(131L)) > 200, colourOf.toString());
        assertTrue(distance(colourOf.get(0L), colourOf.get(1L)) > 20, "a single example is visibly shaded");
        assertTrue(distance(colourOf.get(131L), colourOf.get(968L)) > 100, "and the largest apart from 131");
        assertTrue(brightness(colourOf.get(0L)) > brightness(colourOf.get(12L))
                && brightness(colourOf.get(12L)) > brightness(colourOf.get(131L))
                && brightness(colourOf.get(131L)) > brightness(colourOf.get(968L)), "darker for more examples");
    }

    private static int[] rgb(String hex) {
        int v = Integer.parseInt(hex, 16);
        return new int[] {v >> 16, (v >> 8) & 0xff, v & 0xff};
    }

    private static int distance(String a, String b) {
        int[] x = rgb(a);
        int[] y = rgb(b);
        return Math.abs(x[0] - y[0]) + Math.abs(x[1] - y[1]) + Math.abs(x[2] - y[2]);
    }

    private static int brightness(String hex) {
        int[] c = rgb(hex);
        return c[0] + c[1] + c[2];
    }
}

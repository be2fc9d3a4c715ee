package org.sparkddp.driver.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The gauges the plugin registers read the figures published last, at each poll. */
class TrainingMetricsPluginTest {
    @Test
    void everyGaugeReadsTheFiguresCurrentWhenPolled() {
        MetricRegistry registry = new MetricRegistry();
        TrainingMetricsPlugin.register(registry);
        assertEquals(Set.of("iteration", "epoch", "loss", "samplesPerSecond", "computeMs", "syncMs", "workers",
                "retries", "stages"), registry.getGauges().keySet());

        RunFigures.publish(new RunFigures("r", 40, 2, 0.75, 1234.5, 6.5, 2.25, 2, 1, 4));
        Map<String, Double> read = read(registry);
        assertEquals(Map.of("iteration", 40.0, "epoch", 2.0, "loss", 0.75, "samplesPerSecond", 1234.5,
                "computeMs", 6.5, "syncMs", 2.25, "workers", 2.0, "retries", 1.0, "stages", 4.0), read);

        RunFigures.publish(new RunFigures("s", 41, 2, 0.5, 1000, 6, 2, 3, 1, 5));
        assertEquals(41.0, read(registry).get("iteration"));
        assertEquals(3.0, read(registry).get("workers"));
        RunFigures.publish(RunFigures.NONE);
        assertTrue(Double.isNaN(read(registry).get("loss")));
    }

    @Test
    void theExecutorsRunNothing() {
        assertNull(new TrainingMetricsPlugin().executorPlugin());
    }

    private static Map<String, Double> read(MetricRegistry registry) {
        Map<String, Double> values = new java.util.HashMap<>();
        for (Map.Entry<String, Gauge> e : registry.getGauges().entrySet()) {
            values.put(e.getKey(), (Double) e.getValue().getValue());
        }
        return values;
    }
}

package org.sparkddp.driver.spark;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * Puts the training run's figures into Spark's metrics system as gauges, for whatever sinks the application has
 * (Prometheus, JMX, Graphite, CSV...). Enabled with
 * {@code spark.plugins=org.sparkddp.driver.spark.TrainingMetricsPlugin}; docs/MONITORING.md names the gauges.
 *
 * <p>Why a plugin: {@code SparkPlugin} is Spark's public API for this (since 3.0), and Spark registers its registry
 * under the driver's metrics namespace with the sinks configured, when the context starts. Spark's {@code Source}
 * trait is {@code private[spark]}, and registering one means reaching into {@code SparkEnv.metricsSystem}.
 *
 * <p>Runs on the driver only ({@link #executorPlugin} is null): the gauges read {@link RunFigures}, which the
 * training loop publishes once per stage from the figures its ranks report, so a poll costs nothing on the training
 * path and nothing is fetched for it.
 */
public final class TrainingMetricsPlugin implements SparkPlugin {
    /** Each gauge's name (under Spark's {@code plugin.<this class>.} prefix) and what it reads. */
    static final Map<String, ToDoubleFunction<RunFigures>> GAUGES = Map.of(
            "iteration", f -> f.iteration(),
            "epoch", f -> f.epoch(),
            "loss", RunFigures::loss,
            "samplesPerSecond", RunFigures::samplesPerSecond,
            "computeMs", RunFigures::computeMs,
            "syncMs", RunFigures::syncMs,
            "workers", f -> f.workers(),
            "retries", f -> f.retries(),
            "stages", f -> f.stages());

    @Override
    public DriverPlugin driverPlugin() {
        return new DriverPlugin() {
            @Override
            public void registerMetrics(String appId, PluginContext context) {
                register(context.metricRegistry());
            }
        };
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return null;
    }

    /** The gauges, each reading the figures current when it is polled. */
    static void register(MetricRegistry registry) {
        GAUGES.forEach((name, figure) -> registry.register(name,
                (Gauge<Double>) () -> figure.applyAsDouble(RunFigures.current())));
    }
}

package org.sparkddp.worker.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.model.TrainableNetwork;

/**
 * {@code training.engine}: a network the engine does not cover trains on DL4J's layers, and the executor's log says
 * so in one line naming what is not covered (once, however many replicas); {@code dl4j} always means DL4J.
 */
class EngineFallbackTest {
    private static NetworkSpec spec(String... settings) {
        List<String> all = new ArrayList<>(List.of("data.train=unused-images-idx3-ubyte",
                "data.test=unused-images-idx3-ubyte", "output.dir=unused"));
        all.addAll(List.of(settings));
        SparkDdpConfig c = ConfigLoader.load(null, all).config();
        return NetworkSpec.of(c, new int[] {12}, 4);
    }

    @Test
    void anUncoveredLossFallsBackToDl4jWithOneLine() {
        NetworkSpec spec = spec("model.layers=[{type=dense,units=8}]", "model.output.loss=kl-divergence");
        String log = captureLog(() -> {
            for (int replica = 0; replica < 3; replica++) {
                TrainableNetwork dl4j = NetworkFactory.build(spec);
                assertSame(dl4j, Engines.forTraining(spec, dl4j), "replica " + replica);
            }
        });
        List<String> lines = log.lines().filter(l -> l.contains("training.engine")).toList();
        assertEquals(1, lines.size(), "one line for three replicas:\n" + log);
        assertTrue(lines.get(0).contains("DL4J") && lines.get(0).contains("loss")
                && lines.get(0).contains("KLD"), lines.get(0));
    }

    @Test
    void dl4jMeansDl4jEvenWhereTheEngineCovers() {
        NetworkSpec covered = spec("model.layers=[{type=dense,units=8}]");
        assertInstanceOf(EngineTrainable.class, Engines.forTraining(covered, NetworkFactory.build(covered)));
        NetworkSpec dl4j = spec("model.layers=[{type=dense,units=8}]", "training.engine=dl4j");
        TrainableNetwork network = NetworkFactory.build(dl4j);
        assertSame(network, Engines.forTraining(dl4j, network));
    }

    /** What the loggers printed while {@code action} ran, one message a line. */
    static String captureLog(Runnable action) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        StringWriter out = new StringWriter();
        WriterAppender appender = WriterAppender.createAppender(PatternLayout.newBuilder().withPattern("%m%n").build(),
                null, out, "engine-fallback-test", false, true);
        appender.start();
        context.getRootLogger().addAppender(appender);
        try {
            action.run();
        } finally {
            context.getRootLogger().removeAppender(appender);
            appender.stop();
        }
        return out.toString();
    }
}

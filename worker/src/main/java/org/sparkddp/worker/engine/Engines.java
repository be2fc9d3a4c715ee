package org.sparkddp.worker.engine;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkddp.common.config.EngineKind;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.model.TrainableNetwork;

/**
 * Chooses, for a training replica, who computes its forward and backward pass ({@code training.engine}): the CPU
 * engine where it covers the whole network, else DL4J's layers, saying so in one log line per JVM and reason. Runs
 * on an executor, when a replica is built.
 */
public final class Engines {
    private static final Logger LOG = LoggerFactory.getLogger(Engines.class);
    /** Fallback reasons already logged, so that each executor says it once, not once per replica. */
    private static final Set<String> SAID = ConcurrentHashMap.newKeySet();
    /**
     * Why DL4J's layers compute a replica, by replica (by identity: a replica's entry goes with it), for the stage
     * report that tells the driver (see {@link #describe}).
     */
    private static final Map<TrainableNetwork, String> WHY_DL4J = Collections.synchronizedMap(new WeakHashMap<>());
    /** Replicas this JVM built on the engine (in local mode, the driver's JVM: tests read it). */
    private static final AtomicLong BUILT = new AtomicLong();

    private Engines() {
    }

    /** {@code dl4j} itself, or the engine over it. */
    public static TrainableNetwork forTraining(NetworkSpec spec, TrainableNetwork dl4j) {
        if (spec.engine() == EngineKind.DL4J) {
            WHY_DL4J.put(dl4j, "training.engine = dl4j");
            return dl4j;
        }
        String backend = Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend", "CPU");
        if (!"CPU".equalsIgnoreCase(backend)) {
            return fallBack("the ND4J backend is " + backend + ", and the CPU engine runs on CPUs", dl4j);
        }
        try {
            Shape input = Shape.vector(spec.numInputs());
            EngineNetwork engine;
            Layer[] layers;
            BaseMultiLayerUpdater<?> updater;
            DoubleSupplier regularization;
            if (dl4j.dl4jModel() instanceof ComputationGraph graph) {
                engine = EngineCompiler.compile(graph, input);
                layers = graph.getLayers();
                updater = graph.getUpdater(true);
                regularization = () -> graph.calcRegularizationScore(true);
            } else {
                MultiLayerNetwork network = (MultiLayerNetwork) dl4j.dl4jModel();
                engine = EngineCompiler.compile(network, input);
                layers = network.getLayers();
                updater = (BaseMultiLayerUpdater<?>) network.getUpdater(true);
                regularization = () -> network.calcRegularizationScore(true);
            }
            boolean regularized = spec.model().l1() > 0 || spec.model().l2() > 0;
            BUILT.incrementAndGet();
            int params = Math.toIntExact(dl4j.params().length());
            // the whole network's optimizer works on DL4J's own state; a slice's keeps a copy of its part
            return new EngineTrainable(dl4j, engine, regularized ? regularization : () -> 0,
                    EngineOptimizer.of(layers, updater, dl4j.params(), dl4j.gradients(), 0, params, false),
                    (from, to) -> EngineOptimizer.of(layers, updater, dl4j.params(), dl4j.gradients(), from, to, true));
        } catch (Uncovered e) {
            return fallBack("the CPU engine does not cover " + e.getMessage(), dl4j);
        }
    }

    /**
     * Who computes {@code network}'s layers, with the reason where it is DL4J: {@code the CPU engine}, or e.g.
     * {@code DL4J's layers (the CPU engine does not cover layer 2, a LSTM)}.
     */
    public static String describe(TrainableNetwork network) {
        if (network instanceof EngineTrainable) {
            return "the CPU engine";
        }
        String why = WHY_DL4J.get(network);
        return why == null ? "DL4J's layers" : "DL4J's layers (" + why + ")";
    }

    /** How many replicas this JVM has built on the engine so far. */
    public static long replicasBuilt() {
        return BUILT.get();
    }

    /** @param why the whole reason, e.g. {@code the CPU engine does not cover layer 2, a LSTM} */
    private static TrainableNetwork fallBack(String why, TrainableNetwork dl4j) {
        WHY_DL4J.put(dl4j, why);
        if (SAID.add(why)) {
            LOG.info("training.engine=auto: DL4J's layers compute this network; {}", why);
        }
        return dl4j;
    }
}

package org.sparkddp.worker.engine;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.model.TrainableNetwork;

/**
 * Times the CPU engine's training step of a sequential network layer by layer, on the calling thread, for the
 * scaling benchmark's replay of back-propagation ({@code org.sparkddp.bench.LayerTimesStep}): the forward pass, each
 * DL4J layer's backward (its engine layers', run in reverse order, each timed on its own) and the optimizer step.
 * Times are this thread's CPU time (with one BLAS thread every op runs on it), which a loaded machine disturbs less
 * than wall time. Runs in a benchmark child JVM, never in a job.
 *
 * <p>NOTE: this class lives in the engine's package, but in the integration-tests module: the engine's layers are
 * package-private (a job has no business with them), and only a benchmark times them one by one. It translates each
 * DL4J layer itself ({@link LayerTranslator#translate}, as {@link EngineCompiler} does for a chain), so that it knows
 * which engine layers make up which DL4J layer and so which parameters each backward step finishes.
 */
public final class EngineLayerTimes {
    /** One DL4J layer: its type, its parameter count and its backward time. */
    public record LayerTime(String type, long params, double backwardMs) {
    }

    /**
     * The step's parts, ms: the forward pass, the layers' backward in layer order, the optimizer step; and whether
     * sync mode would shard that step (no running statistics, and a sliced optimizer exists: as TrainingStageTask
     * decides).
     */
    public record StepTimes(long parameters, double forwardMs, List<LayerTime> layers, double updateMs,
                            boolean sharded, double wholeMs) {
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private EngineLayerTimes() {
    }

    /**
     * Medians over {@code steps} timed steps after one warm-up step, at the batch {@code batch} holds.
     *
     * @throws IllegalArgumentException when the engine does not cover the network or it is not sequential
     */
    public static StepTimes measure(NetworkSpec spec, DataSet batch, int steps) {
        TrainableNetwork trainable = Engines.forTraining(spec, NetworkFactory.build(spec));
        if (!(trainable instanceof EngineTrainable) || !(trainable.dl4jModel() instanceof MultiLayerNetwork net)) {
            throw new IllegalArgumentException("the CPU engine does not cover this network as a chain of layers ("
                    + spec.model().layers() + "): its layers cannot be timed one by one");
        }
        List<List<EngineLayer>> perLayer = new ArrayList<>();
        try {
            ImageLayout layout = ((EngineTrainable) trainable).engine().layout();
            translate(net, Shape.vector(spec.numInputs()), layout, perLayer);
            int n = Math.toIntExact(batch.getFeatures().size(0));
            double[][] runs = new double[steps][];
            for (int s = -1; s < steps; s++) { // step -1 warms the JIT and the buffers up
                double[] times = timeLayers(perLayer, batch, n);
                if (s >= 0) {
                    runs[s] = times;
                }
            }
            double[] update = new double[steps];
            double[] whole = new double[steps];
            for (int s = -1; s < steps; s++) {
                long t0 = THREADS.getCurrentThreadCpuTime();
                trainable.computeGradient(batch);
                long t1 = THREADS.getCurrentThreadCpuTime();
                trainable.step(s + 1, 0, n);
                long t2 = THREADS.getCurrentThreadCpuTime();
                if (s >= 0) {
                    update[s] = (t2 - t1) / 1e6;
                    whole[s] = (t2 - t0) / 1e6;
                }
            }
            Layer[] layers = net.getLayers();
            List<LayerTime> result = new ArrayList<>();
            for (int i = 0; i < layers.length; i++) {
                int column = i + 1;
                result.add(new LayerTime(layers[i].conf().getLayer().getClass().getSimpleName(),
                        layers[i].numParams(), median(Arrays.stream(runs).mapToDouble(r -> r[column]).toArray())));
            }
            boolean sharded = trainable.runningStatistics().isEmpty() && trainable.slicedOptimizer(0, 1).isPresent();
            return new StepTimes(net.numParams(), median(Arrays.stream(runs).mapToDouble(r -> r[0]).toArray()),
                    result, median(update), sharded, median(whole));
        } catch (Uncovered e) {
            throw new IllegalArgumentException("the CPU engine does not cover " + e.getMessage(), e);
        } finally {
            perLayer.forEach(layers -> layers.forEach(EngineLayer::close));
            trainable.close();
        }
    }

    /** Each DL4J layer's engine layers, in order, as views of the network's parameters and gradients. */
    private static void translate(MultiLayerNetwork net, Shape input, ImageLayout layout,
                                  List<List<EngineLayer>> into) throws Uncovered {
        Layer[] layers = net.getLayers();
        Shape shape = input;
        for (int i = 0; i < layers.length; i++) {
            var t = LayerTranslator.translate(layers[i], net.getLayerWiseConfigurations().getInputPreProcess(i),
                    shape, i == layers.length - 1, layout, "layer " + i);
            into.add(t.layers());
            shape = t.out();
        }
    }

    /**
     * One forward and backward pass, layer by layer, on buffers of its own: [forward total, backward of DL4J layer 0,
     * 1, ...] in ms. The loss's gradient is left as the buffer holds it: the time of a layer's backward does not
     * depend on the values.
     */
    private static double[] timeLayers(List<List<EngineLayer>> perLayer, DataSet batch, int n) {
        List<EngineLayer> chain = new ArrayList<>();
        List<Integer> owner = new ArrayList<>();
        for (int i = 0; i < perLayer.size(); i++) {
            for (EngineLayer layer : perLayer.get(i)) {
                chain.add(layer);
                owner.add(i);
            }
        }
        List<NativeFloats> acts = new ArrayList<>();
        List<NativeFloats> grads = new ArrayList<>();
        try (NativeFloats x = NativeFloats.of(batch.getFeatures().dup('c'))) {
            acts.add(x);
            grads.add(null);
            for (EngineLayer layer : chain) {
                acts.add(NativeFloats.allocate((long) n * layer.out().size()));
                grads.add(NativeFloats.allocate((long) n * layer.out().size()));
            }
            double[] times = new double[perLayer.size() + 1];
            long t0 = THREADS.getCurrentThreadCpuTime();
            for (int j = 0; j < chain.size(); j++) {
                chain.get(j).forward(acts.get(j), acts.get(j + 1), n, true);
            }
            times[0] = (THREADS.getCurrentThreadCpuTime() - t0) / 1e6;
            for (int j = chain.size() - 1; j >= 0; j--) {
                long t = THREADS.getCurrentThreadCpuTime();
                chain.get(j).backward(acts.get(j), acts.get(j + 1), grads.get(j + 1), grads.get(j), n);
                times[owner.get(j) + 1] += (THREADS.getCurrentThreadCpuTime() - t) / 1e6;
            }
            return times;
        } finally {
            for (int j = 1; j < acts.size(); j++) {
                acts.get(j).close();
                grads.get(j).close();
            }
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int m = sorted.length;
        return m % 2 == 1 ? sorted[m / 2] : (sorted[m / 2 - 1] + sorted[m / 2]) / 2;
    }
}

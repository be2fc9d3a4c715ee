package org.sparkddp.worker.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Assembles the engine's network for a DL4J network: a chain for a {@link MultiLayerNetwork}, a graph (layers and
 * sums) for a {@link ComputationGraph} such as a network of residual blocks. Each DL4J layer becomes the engine layers
 * {@link LayerTranslator} gives; anything not covered is {@link Uncovered}. The whole network has one
 * {@link ImageLayout}: NCHW on oneDNN's kernels where it can (with the activations between oneDNN's image ops in
 * its blocked layout, see {@link DnnlLayouts}), else channel-major on the Java kernels (see {@link #layouts}). Runs
 * on an executor, once per replica.
 */
final class EngineCompiler {
    private static final Logger LOG = LoggerFactory.getLogger(EngineCompiler.class);
    /**
     * {@code -Dsparkddp.engine.onednn=false} compiles the Java kernels where oneDNN's would run: not a setting, a
     * switch for comparing the two (tests run the equivalence checks in both; a timing compares their steps).
     */
    static final String ONEDNN_PROPERTY = "sparkddp.engine.onednn";
    /** The Java-kernel lines already logged: each reason once per JVM. */
    private static final Set<String> SAID = ConcurrentHashMap.newKeySet();

    private final List<EngineNetwork.Node> nodes = new ArrayList<>();
    /** Node index to the DL4J layer's gradient range that node's backward finishes (see {@link EngineNetwork}). */
    private final Map<Integer, int[]> finishes = new HashMap<>();
    /** Where the flat parameter vector starts in its buffer: a layer's range is its view's offset from here. */
    private final long flatOffset;
    private final Shape input;
    private final ImageLayout layout;

    private EngineCompiler(Shape input, INDArray flat, ImageLayout layout) {
        this.input = input;
        this.flatOffset = flat.offset();
        this.layout = layout;
    }

    /** Compiles one network in one layout. */
    private interface Pass {
        EngineNetwork compile(ImageLayout layout) throws Uncovered;
    }

    /**
     * NCHW on oneDNN's kernels where oneDNN loaded and every image layer has an NCHW kernel; otherwise the Java
     * kernels, channel-major, saying why in one line (once per JVM and reason) if the network has images.
     */
    private static EngineNetwork layouts(Pass pass) throws Uncovered {
        // A network without image layers never needs oneDNN, so it is compiled first without looking for it: an MLP's
        // executors then never load oneDNN's native libraries (about 60 MB) or its OpenMP runtime.
        EngineNetwork network = pass.compile(ImageLayout.CHANNEL_MAJOR);
        if (!network.hasImages()) {
            return network;
        }
        boolean off = "false".equals(System.getProperty(ONEDNN_PROPERTY));
        String why = off ? "oneDNN is off (-D" + ONEDNN_PROPERTY + "=false)" : Dnnl.available() ? null : "oneDNN is not available: "
                + Dnnl.unavailableBecause();
        if (why == null) {
            // Closed first, so that two networks' activation buffers are never held at once.
            network.close();
            try {
                return pass.compile(ImageLayout.NCHW);
            } catch (ImageLayout.NoNchwKernel e) {
                why = "oneDNN has no kernel for " + e.getMessage();
            }
            network = pass.compile(ImageLayout.CHANNEL_MAJOR);
        }
        if (SAID.add(why)) {
            LOG.info("training.engine=auto: the CPU engine's Java kernels compute this network's image layers; {}",
                    why);
        }
        return network;
    }

    /**
     * The engine's network for {@code network}, whose examples arrive as rows of {@code input} (images too: DL4J takes
     * them flat, and a {@code FeedForwardToCnnPreProcessor} before the first image layer gives them their shape).
     */
    static EngineNetwork compile(MultiLayerNetwork network, Shape input) throws Uncovered {
        return layouts(layout -> compile(network, input, layout));
    }

    private static EngineNetwork compile(MultiLayerNetwork network, Shape input, ImageLayout layout)
            throws Uncovered {
        requireFloat(network.params());
        EngineCompiler compiler = new EngineCompiler(input, network.params(), layout);
        try {
            MultiLayerConfiguration conf = network.getLayerWiseConfigurations();
            Layer[] layers = network.getLayers();
            int at = EngineNetwork.INPUT;
            OutputLoss loss = null;
            for (int i = 0; i < layers.length; i++) {
                boolean last = i == layers.length - 1;
                var t = LayerTranslator.translate(layers[i], conf.getInputPreProcess(i), compiler.shape(at), last,
                        layout, "layer " + i + " (" + layers[i].conf().getLayer().getClass().getSimpleName() + ")");
                at = compiler.chain(t, at, layers[i]);
                loss = t.loss();
            }
            return compiler.network(at, loss);
        } catch (Uncovered | RuntimeException e) {
            compiler.closeAll();
            throw e;
        }
    }

    /** The engine's network for a graph with one input and one output, of layers and element-wise sums. */
    static EngineNetwork compile(ComputationGraph graph, Shape input) throws Uncovered {
        return layouts(layout -> compile(graph, input, layout));
    }

    private static EngineNetwork compile(ComputationGraph graph, Shape input, ImageLayout layout) throws Uncovered {
        requireFloat(graph.params());
        ComputationGraphConfiguration conf = graph.getConfiguration();
        if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1) {
            throw new Uncovered("a graph with " + conf.getNetworkInputs().size() + " inputs and "
                    + conf.getNetworkOutputs().size() + " outputs");
        }
        EngineCompiler compiler = new EngineCompiler(input, graph.params(), layout);
        try {
            Map<String, Integer> produced = new HashMap<>();
            produced.put(conf.getNetworkInputs().get(0), EngineNetwork.INPUT);
            String output = conf.getNetworkOutputs().get(0);
            OutputLoss loss = null;
            for (int index : graph.topologicalSortOrder()) {
                var vertex = graph.getVertices()[index];
                String name = vertex.getVertexName();
                if (vertex.isInputVertex()) {
                    continue;
                }
                List<String> inputs = conf.getVertexInputs().get(name);
                GraphVertex v = conf.getVertices().get(name);
                String where = "vertex " + name;
                if (v instanceof LayerVertex lv && inputs.size() == 1) {
                    InputPreProcessor pre = lv.getPreProcessor();
                    Layer layer = graph.getLayer(name);
                    int from = produced.get(inputs.get(0));
                    var t = LayerTranslator.translate(layer, pre, compiler.shape(from), name.equals(output),
                            layout, where + " (" + layer.conf().getLayer().getClass().getSimpleName() + ")");
                    produced.put(name, compiler.chain(t, from, layer));
                    loss = t.loss() != null ? t.loss() : loss;
                } else if (v instanceof ElementWiseVertex e && e.getOp() == ElementWiseVertex.Op.Add
                        && inputs.size() == 2) {
                    int a = produced.get(inputs.get(0));
                    int b = produced.get(inputs.get(1));
                    if (!compiler.shape(a).equals(compiler.shape(b))) {
                        throw new Uncovered(where + ": a sum of " + compiler.shape(a) + " and " + compiler.shape(b));
                    }
                    compiler.nodes.add(EngineNetwork.Node.sum(a, b, compiler.shape(a)));
                    produced.put(name, compiler.nodes.size() - 1);
                } else {
                    throw new Uncovered(where + ": a " + v.getClass().getSimpleName() + " with " + inputs.size()
                            + " inputs");
                }
            }
            return compiler.network(produced.get(output), loss);
        } catch (Uncovered | RuntimeException e) {
            compiler.closeAll();
            throw e;
        }
    }

    private static void requireFloat(INDArray params) throws Uncovered {
        if (params.dataType() != DataType.FLOAT) {
            throw new Uncovered("parameters of type " + params.dataType() + " (the engine runs float32)");
        }
    }

    private Shape shape(int node) {
        return node == EngineNetwork.INPUT ? input : nodes.get(node).out();
    }

    /**
     * Appends the translation's layers as a chain after node {@code from}; returns the chain's last node. (A first
     * layer may see its input under another shape than the node recorded: rows of one channel are an image.)
     */
    private int chain(LayerTranslator.Translation t, int from, Layer dl4j) throws Uncovered {
        if (t.layers().isEmpty() && t.out().size() != shape(from).size()) {
            throw new Uncovered("a reshape from " + shape(from) + " to " + t.out() + " with no layer after it");
        }
        int at = from;
        for (EngineLayer layer : t.layers()) {
            nodes.add(EngineNetwork.Node.layer(layer, at));
            at = nodes.size() - 1;
        }
        long count = dl4j.numParams();
        if (count > 0 && !t.layers().isEmpty()) {
            // The chain's first engine layer runs last in backward: once it has, the DL4J layer's gradients are final.
            long start = dl4j.params().offset() - flatOffset;
            int[] range = {Math.toIntExact(start), Math.toIntExact(start + count)};
            finishes.put(at - t.layers().size() + 1, range);
        }
        return at;
    }

    private EngineNetwork network(int output, OutputLoss loss) throws Uncovered {
        if (loss == null || output != nodes.size() - 1) {
            throw new Uncovered("the network does not end in an output layer");
        }
        List<EngineNetwork.Node> compiled = nodes;
        Map<Integer, int[]> finished = finishes;
        if (layout == ImageLayout.NCHW) {
            DnnlLayouts.Result blocked = DnnlLayouts.assign(nodes, finishes);
            compiled = blocked.nodes();
            finished = blocked.finishes();
        }
        int[][] ranges = new int[compiled.size()][];
        finished.forEach((node, range) -> ranges[node] = range);
        return new EngineNetwork(input, compiled, loss, ranges, layout);
    }

    private void closeAll() {
        nodes.forEach(n -> {
            if (n.layer() != null) {
                n.layer().close();
            }
        });
    }
}

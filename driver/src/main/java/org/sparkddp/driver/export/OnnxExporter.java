package org.sparkddp.driver.export;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import onnx.Onnx;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.sparkddp.common.error.InvalidInputException;
import org.sparkddp.driver.Version;

/**
 * A trained DL4J network (a spark-ddp model.zip's {@code MultiLayerNetwork} or {@code ComputationGraph}) as an ONNX
 * model that computes what the network's {@code output()} computes in inference mode. Runs on the driver, or
 * wherever a Spark ML model is exported; the whole network is already in this JVM.
 *
 * <p>The model takes {@value #INPUT}, float32 rows of the features as spark-ddp's model takes them (images flat,
 * channels then rows of pixels; tabular features normalized as in training, since a model.zip does not hold the
 * training set's statistics), and gives {@value #OUTPUT}, the class probabilities or the predicted values. Layers
 * are written in the network's own (topological) order, one {@link LayerTranslator} per layer kind; anything without
 * an exact translation stops the export with a {@link NotExportableException} that names the layer.
 */
public final class OnnxExporter {
    public static final String INPUT = "input";
    public static final String OUTPUT = "output";

    private OnnxExporter() {
    }

    /**
     * NOTE: a protobuf message, the ONNX file's whole model, is at most 2 GiB; the weights are checked against a
     * bound below it before anything is copied, so a larger model fails in one line instead of deep in protobuf (or in
     * the driver's heap, which holds the weights a few times over while they are encoded).
     */
    static final long MAX_WEIGHT_BYTES = 1_900_000_000L;

    /** Refuses, in one line, a model whose weights an ONNX file cannot hold (see {@link #MAX_WEIGHT_BYTES}). */
    static void checkSize(long parameters, String source) {
        long bytes = parameters * Float.BYTES;
        if (bytes > MAX_WEIGHT_BYTES) {
            throw new InvalidInputException(String.format(java.util.Locale.ROOT, "cannot export %s to ONNX: its"
                    + " %,d parameters take %,d bytes, and an ONNX file holds at most 2 GiB in one protobuf message"
                    + " (ONNX's external-data format is not written)", source, parameters, bytes));
        }
    }

    /** @param source where the network came from, recorded in the model's doc string */
    public static Onnx.ModelProto export(Model network, String source) {
        checkSize(network.numParams(), source);
        OnnxGraph graph = new OnnxGraph("spark-ddp");
        long outputs;
        Tensor out;
        if (network instanceof ComputationGraph cg) {
            out = graph(cg, graph);
            outputs = width(cg.getOutputLayer(0));
        } else if (network instanceof MultiLayerNetwork stack) {
            out = stack(stack, graph);
            outputs = width(stack.getOutputLayer());
        } else {
            throw new IllegalArgumentException("not a DL4J network: " + network.getClass().getName());
        }
        if (out.rank() != 2) {
            throw new NotExportableException(OUTPUT, "network output", "the output has rank " + out.rank()
                    + ", not rows");
        }
        graph.output(out.name(), OUTPUT, outputs);
        return graph.model(Version.get(), "Exported by spark-ddp " + Version.get() + " from " + source + ". Input '"
                + INPUT + "': float32 rows of features, as the model.zip takes them (tabular features normalized as"
                + " in training). Output '" + OUTPUT + "': class probabilities or predicted values.");
    }

    /** A layer stack: each layer's preprocessor, then the layer. */
    private static Tensor stack(MultiLayerNetwork network, OnnxGraph graph) {
        MultiLayerConfiguration conf = network.getLayerWiseConfigurations();
        Layer[] layers = network.getLayers();
        Tensor current = new Tensor(graph.input(INPUT, inputWidth(name(layers[0], 0), layers[0],
                conf.getInputPreProcess(0))), 2);
        for (int i = 0; i < layers.length; i++) {
            String name = name(layers[i], i);
            current = PreProcessors.apply(conf.getInputPreProcess(i), name, current, graph);
            current = LayerTranslators.translate(name, layers[i], current, graph);
        }
        return current;
    }

    /** A graph: vertices in DL4J's topological order; layers and element-wise sums (residual joins). */
    private static Tensor graph(ComputationGraph network, OnnxGraph graph) {
        ComputationGraphConfiguration conf = network.getConfiguration();
        if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1) {
            throw new NotExportableException(String.join(",", conf.getNetworkOutputs()), "ComputationGraph",
                    "only a graph with one input and one output is exported");
        }
        String inputName = conf.getNetworkInputs().get(0);
        Map<String, Tensor> tensors = new HashMap<>();
        for (int index : network.topologicalSortOrder()) {
            String name = network.getVertices()[index].getVertexName();
            if (name.equals(inputName)) {
                tensors.put(name, new Tensor(graph.input(INPUT, graphInputWidth(network, inputName)), 2));
                continue;
            }
            List<String> inputs = conf.getVertexInputs().get(name);
            GraphVertex vertex = conf.getVertices().get(name);
            if (vertex instanceof LayerVertex layer) {
                Tensor in = PreProcessors.apply(layer.getPreProcessor(), name, tensors.get(inputs.get(0)), graph);
                tensors.put(name, LayerTranslators.translate(name, network.getLayer(name), in, graph));
            } else if (vertex instanceof ElementWiseVertex sum && sum.getOp() == ElementWiseVertex.Op.Add) {
                Tensor total = tensors.get(inputs.get(0));
                for (String next : inputs.subList(1, inputs.size())) {
                    total = new Tensor(graph.node("Add", name, List.of(total.name(), tensors.get(next).name())),
                            total.rank());
                }
                tensors.put(name, total);
            } else {
                throw new NotExportableException(name, vertex.getClass().getSimpleName()
                        + (vertex instanceof ElementWiseVertex e ? " " + e.getOp() : ""),
                        "this vertex kind has no ONNX translation here (exported: layers and element-wise Add)");
            }
        }
        return tensors.get(conf.getNetworkOutputs().get(0));
    }

    /** The width of a graph's input rows: that of the first layer that reads the input. */
    private static long graphInputWidth(ComputationGraph network, String inputName) {
        ComputationGraphConfiguration conf = network.getConfiguration();
        for (Map.Entry<String, List<String>> e : conf.getVertexInputs().entrySet()) {
            if (e.getValue().contains(inputName) && conf.getVertices().get(e.getKey()) instanceof LayerVertex v) {
                return inputWidth(e.getKey(), network.getLayer(e.getKey()), v.getPreProcessor());
            }
        }
        throw new NotExportableException(inputName, "network input", "no layer reads the network's input");
    }

    private static long inputWidth(String name, Layer first, InputPreProcessor preProcessor) {
        long fromPreProcessor = PreProcessors.inputWidth(preProcessor);
        if (fromPreProcessor > 0) {
            return fromPreProcessor;
        }
        if (first.conf().getLayer() instanceof FeedForwardLayer ff && ff.getNIn() > 0) {
            return ff.getNIn();
        }
        throw new NotExportableException(name, first.conf().getLayer().getClass().getSimpleName(),
                "the width of the network's input rows cannot be told from the first layer");
    }

    private static long width(Layer output) {
        return ((FeedForwardLayer) output.conf().getLayer()).getNOut();
    }

    private static String name(Layer layer, int index) {
        String name = layer.conf().getLayer().getLayerName();
        return name == null || name.isEmpty() ? "layer" + index : name;
    }
}

package org.sparkddp.common.model;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.api.buffer.DataType;
import org.sparkddp.common.config.ModelConfig;
import org.sparkddp.common.nd.Dl4jHelpers;
import org.sparkddp.common.nd.FencedExecutioner;

/**
 * Builds the DL4J network a {@link NetworkSpec} describes: a {@link MultiLayerNetwork} for a chain of layers, a
 * {@link ComputationGraph} when a residual block needs a shortcut. Deterministic: the same spec gives the same
 * configuration and initial weights on the driver, on every executor and in the single-machine reference.
 */
public final class NetworkFactory {
    static {
        // Every JVM that trains or predicts builds its networks here, driver and executors alike: fence ND4J's ops
        // before the first one runs (see FencedExecutioner for the crash this prevents).
        FencedExecutioner.install();
        // DL4J M2 leaves its conv, batch-norm and pooling helpers off; on they make the CNN's step 1.2x cheaper in CPU
        // (2.6x on a oneDNN build of nd4j-native): see Dl4jHelpers for the measurements and why they are off.
        Dl4jHelpers.enable();
    }

    private NetworkFactory() {
    }

    /** A new network with freshly initialized weights (from the spec's seed). */
    public static TrainableNetwork build(NetworkSpec spec) {
        if (spec.model().isGraph()) {
            ComputationGraph graph = new ComputationGraph(graphConfiguration(spec));
            graph.init();
            return new GraphTrainable(graph, spec.numInputs(), spec.numOutputs(),
                    spec.outerMomentum() ? OuterMomentumState.attach(graph) : null);
        }
        MultiLayerNetwork network = new MultiLayerNetwork(configuration(spec));
        network.init();
        return new MultiLayerTrainable(network, spec.numInputs(), spec.numOutputs(),
                spec.outerMomentum() ? OuterMomentumState.attach(network) : null);
    }

    /** The configuration of a network without residual blocks. */
    public static MultiLayerConfiguration configuration(NetworkSpec spec) {
        if (spec.model().isGraph()) {
            throw new IllegalArgumentException("a network with residual blocks is a ComputationGraph");
        }
        NeuralNetConfiguration.ListBuilder list = common(spec).list();
        int[] index = {0};
        LayerStack stack = new LayerStack(new LayerStack.Sink() {
            @Override
            public void layer(String name, Layer layer, InputPreProcessor preProcessor, String input) {
                if (preProcessor != null) {
                    list.inputPreProcessor(index[0], preProcessor);
                }
                list.layer(index[0]++, layer);
            }

            @Override
            public void sum(String name, String a, String b) {
                throw new IllegalStateException("a sequential network has no sums");
            }
        }, inputType(spec));
        addLayers(stack, spec);
        return list.setInputType(inputType(spec)).build();
    }

    /** The configuration as a ComputationGraph (any network, with or without residual blocks). */
    public static ComputationGraphConfiguration graphConfiguration(NetworkSpec spec) {
        ComputationGraphConfiguration.GraphBuilder graph = common(spec).graphBuilder().addInputs(LayerStack.INPUT);
        LayerStack stack = new LayerStack(new LayerStack.Sink() {
            @Override
            public void layer(String name, Layer layer, InputPreProcessor preProcessor, String input) {
                graph.addLayer(name, layer, preProcessor, input);
            }

            @Override
            public void sum(String name, String a, String b) {
                graph.addVertex(name, new ElementWiseVertex(ElementWiseVertex.Op.Add), a, b);
            }
        }, inputType(spec));
        addLayers(stack, spec);
        return graph.setOutputs(LayerStack.OUTPUT).setInputTypes(inputType(spec)).build();
    }

    private static void addLayers(LayerStack stack, NetworkSpec spec) {
        for (int i = 0; i < spec.model().layers().size(); i++) {
            stack.add(spec.model().layers().get(i), i);
        }
        stack.output(spec.model().output(), spec.numOutputs());
    }

    /** Settings every layer shares: seed, float32, weight init, optimizer, penalties, clipping. */
    private static NeuralNetConfiguration.Builder common(NetworkSpec spec) {
        ModelConfig model = spec.model();
        NeuralNetConfiguration.Builder builder = new NeuralNetConfiguration.Builder()
                .seed(spec.seed())
                .dataType(DataType.FLOAT)
                .updater(Optimizers.updater(spec.optimizer(), spec.globalBatchSize()))
                .l1(model.l1())
                .l2(model.l2());
        switch (model.weightInit()) {
            case XAVIER -> builder.weightInit(WeightInit.XAVIER);
            case HE -> builder.weightInit(WeightInit.RELU); // DL4J's name for He et al.'s normal initialization
            case NORMAL -> builder.weightInit(new NormalDistribution(0, model.weightInitStd()));
        }
        if (spec.optimizer().clipNorm() != null) {
            builder.gradientNormalization(GradientNormalization.ClipL2PerLayer)
                    .gradientNormalizationThreshold(spec.optimizer().clipNorm());
        }
        return builder;
    }

    /** Image inputs arrive as flat rows (channels, then rows of pixels); DL4J reshapes them for the first conv. */
    static InputType inputType(NetworkSpec spec) {
        List<Integer> shape = spec.inputShape();
        return shape.size() == 3
                ? InputType.convolutionalFlat(shape.get(1), shape.get(2), shape.get(0))
                : InputType.feedForward(shape.get(0));
    }
}

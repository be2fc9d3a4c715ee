package org.sparkddp.worker.engine;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The engine's network: a chain of {@link EngineLayer}s ending in the output layer's pre-activations, and the
 * output's loss. It owns one activation buffer and one gradient buffer per layer, sized for the largest batch
 * seen, and reuses them every step: a training step allocates nothing in steady state. Runs on an executor.
 */
final class EngineNetwork implements AutoCloseable {
    private final Shape input;
    private final List<EngineLayer> layers;
    private final OutputLoss loss;
    private final int outputs;
    private int capacity;
    /** {@code activations[i + 1]} is layer i's output; {@code activations[0]} is unused (the input is a view). */
    private NativeFloats[] activations;
    private NativeFloats[] gradients;
    private NativeFloats probabilities;

    EngineNetwork(Shape input, List<EngineLayer> layers, OutputLoss loss) {
        this.input = input;
        this.layers = List.copyOf(layers);
        this.loss = loss;
        Shape last = layers.isEmpty() ? input : layers.get(layers.size() - 1).out();
        if (last.image()) {
            throw new IllegalArgumentException("the output layer's input must be a vector, not " + last);
        }
        this.outputs = last.size();
    }

    int outputs() {
        return outputs;
    }

    /**
     * One forward and backward pass in training mode: the layers write the gradient of the loss summed over the
     * batch into DL4J's gradient views.
     *
     * @return the loss summed over the batch
     */
    double forwardBackward(INDArray features, INDArray labels) {
        int n = rows(features);
        ensureCapacity(n);
        try (NativeFloats x = view(features); NativeFloats y = view(labels)) {
            forward(x, n, true);
            NativeFloats z = activations[layers.size()];
            NativeFloats gradZ = gradients[layers.size()];
            double sum = loss.lossAndGradient(z, y, probabilities, gradZ, n, outputs);
            for (int i = layers.size() - 1; i >= 0; i--) {
                NativeFloats in = i == 0 ? x : activations[i];
                layers.get(i).backward(in, activations[i + 1], gradients[i + 1], i == 0 ? null : gradients[i], n);
            }
            return sum;
        }
    }

    /** The network's output (after the output activation) in inference mode, as a new {@code n x outputs} array. */
    INDArray output(INDArray features) {
        int n = rows(features);
        ensureCapacity(n);
        INDArray result = Nd4j.createUninitialized(DataType.FLOAT, n, outputs);
        try (NativeFloats x = view(features); NativeFloats out = NativeFloats.of(result)) {
            forward(x, n, false);
            loss.activate(activations[layers.size()], out, n, outputs);
        }
        return result;
    }

    private void forward(NativeFloats x, int n, boolean training) {
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).forward(i == 0 ? x : activations[i], activations[i + 1], n, training);
        }
    }

    private static int rows(INDArray features) {
        return Math.toIntExact(features.size(0));
    }

    /** A native view of a batch array, copied first if it is not contiguous float32 in row-major order. */
    private static NativeFloats view(INDArray array) {
        INDArray rows = array.dataType() == DataType.FLOAT && array.ordering() == 'c'
                && (array.length() <= 1 || array.elementWiseStride() == 1) ? array : array.castTo(DataType.FLOAT).dup('c');
        return NativeFloats.of(rows);
    }

    private void ensureCapacity(int n) {
        if (n <= capacity) {
            return;
        }
        freeBuffers();
        activations = new NativeFloats[layers.size() + 1];
        gradients = new NativeFloats[layers.size() + 1];
        for (int i = 0; i < layers.size(); i++) {
            long size = (long) n * layers.get(i).out().size();
            activations[i + 1] = NativeFloats.allocate(size);
            gradients[i + 1] = NativeFloats.allocate(size);
        }
        probabilities = NativeFloats.allocate((long) n * outputs);
        capacity = n;
    }

    private void freeBuffers() {
        if (activations == null) {
            return;
        }
        for (int i = 1; i < activations.length; i++) {
            activations[i].close();
            gradients[i].close();
        }
        probabilities.close();
        activations = null;
    }

    @Override
    public void close() {
        freeBuffers();
        layers.forEach(EngineLayer::close);
    }
}

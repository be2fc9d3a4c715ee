package org.sparkddp.worker.engine;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The engine's network: nodes in topological order, each an {@link EngineLayer} on one earlier node's output (a
 * chain, for a sequential network) or the sum of two (a residual block's join), the last one giving the output
 * layer's pre-activations, and the output's loss. It owns one activation and one gradient buffer per node, sized for
 * the largest batch seen, and reuses them every step: a training step allocates nothing in steady state. Runs on an
 * executor.
 */
final class EngineNetwork implements AutoCloseable {
    /** Rows per block of an inference pass, at least (see {@link #output}). */
    static final int INFERENCE_ROWS = 128;

    /** The node index that stands for the network's input rows. */
    static final int INPUT = -1;

    /** A layer on node {@code input}'s output, or (layer null) the sum of nodes {@code input} and {@code other}. */
    record Node(EngineLayer layer, int input, int other, Shape out) {
        static Node layer(EngineLayer layer, int input) {
            return new Node(layer, input, INPUT, layer.out());
        }

        static Node sum(int a, int b, Shape shape) {
            return new Node(null, a, b, shape);
        }
    }

    private final List<Node> nodes;
    /** Per node, the index in {@link #gradientReadyOrder} of the range it finishes, or -1. */
    private final int[] readyIndex;
    private final List<int[]> readyOrder;
    private final OutputLoss loss;
    private final ImageLayout layout;
    private final int outputs;
    /** How many nodes read each node's output: a gradient arriving from more than one is summed. */
    private final int[] consumers;
    private int capacity;
    private NativeFloats[] activations;
    private NativeFloats[] gradients;
    /** Where a layer writes its input's gradient when that input has other consumers too. */
    private NativeFloats scratch;
    private NativeFloats probabilities;
    /** Set by {@link #close}: the buffers are freed, and a pass would read freed native memory. */
    private boolean closed;

    EngineNetwork(Shape input, List<Node> nodes, OutputLoss loss) {
        this(input, nodes, loss, new int[nodes.size()][]);
    }

    /**
     * @param finishes per node, the range {@code [from, to)} of DL4J's flat gradient that its backward finishes (the
     *                 first engine layer of a DL4J layer writes the last of that layer's gradients), or null
     */
    EngineNetwork(Shape input, List<Node> nodes, OutputLoss loss, int[][] finishes) {
        this(input, nodes, loss, finishes, ImageLayout.CHANNEL_MAJOR);
    }

    /** @param layout how the nodes' images are laid out (one layout for the whole network) */
    EngineNetwork(Shape input, List<Node> nodes, OutputLoss loss, int[][] finishes, ImageLayout layout) {
        this.layout = layout;
        this.nodes = List.copyOf(nodes);
        this.readyIndex = new int[nodes.size()];
        java.util.List<int[]> order = new java.util.ArrayList<>();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            readyIndex[i] = finishes[i] == null ? -1 : order.size();
            if (finishes[i] != null) {
                order.add(finishes[i].clone());
            }
        }
        this.readyOrder = List.copyOf(order);
        this.loss = loss;
        Shape last = nodes.isEmpty() ? input : nodes.get(nodes.size() - 1).out();
        if (last.image()) {
            throw new IllegalArgumentException("the output layer's input must be a vector, not " + last);
        }
        this.outputs = last.size();
        this.consumers = new int[nodes.size()];
        for (Node node : nodes) {
            for (int from : new int[] {node.input(), node.other()}) {
                if (from != INPUT) {
                    consumers[from]++;
                }
            }
        }
    }

    ImageLayout layout() {
        return layout;
    }

    /** Whether any node's output is an image (else the layout makes no difference). */
    boolean hasImages() {
        return nodes.stream().anyMatch(n -> n.out().image());
    }

    /** The layers in order, for a network that is a chain (no sums); for timing them one by one. */
    List<EngineLayer> chain() {
        if (nodes.stream().anyMatch(n -> n.layer() == null)) {
            throw new IllegalStateException("not a chain: the network has sums");
        }
        return nodes.stream().map(Node::layer).toList();
    }

    /**
     * One forward and backward pass in training mode: the layers write the gradient of the loss summed over the
     * batch into DL4J's gradient views.
     *
     * @return the loss summed over the batch
     */
    double forwardBackward(INDArray features, INDArray labels) {
        return forwardBackward(features, labels, k -> { });
    }

    /**
     * The gradient ranges the backward pass finishes one at a time, in the order it finishes them: backward runs the
     * nodes from the last, so the last layer's gradients come first.
     */
    List<int[]> gradientReadyOrder() {
        return readyOrder;
    }

    /** As {@link #forwardBackward(INDArray, INDArray)}, announcing each range of {@link #gradientReadyOrder}. */
    double forwardBackward(INDArray features, INDArray labels, java.util.function.IntConsumer ready) {
        checkOpen();
        int n = rows(features);
        ensureCapacity(n);
        try (NativeFloats x = view(features); NativeFloats y = view(labels)) {
            forward(x, n, true);
            int last = nodes.size() - 1;
            double sum = loss.lossAndGradient(activations[last], y, probabilities, gradients[last], n, outputs);
            backward(x, n, ready);
            return sum;
        }
    }

    /**
     * The network's output (after the output activation) in inference mode, as a new {@code n x outputs} array.
     * Computed in blocks of at most {@link #INFERENCE_ROWS} rows (or the training batch, if larger), so that scoring
     * a large held-out block does not grow the buffers past what training needs: every row's output depends on that
     * row alone in inference.
     */
    INDArray output(INDArray features) {
        checkOpen();
        int n = rows(features);
        int block = Math.max(capacity, INFERENCE_ROWS);
        ensureCapacity(Math.min(n, block));
        INDArray result = Nd4j.createUninitialized(DataType.FLOAT, n, outputs);
        for (int from = 0; from < n; from += block) {
            int to = Math.min(n, from + block);
            INDArray in = n <= block ? features : features.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
            INDArray out = n <= block ? result : result.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
            try (NativeFloats x = view(in); NativeFloats y = NativeFloats.of(out)) {
                forward(x, to - from, false);
                loss.activate(activations[nodes.size() - 1], y, to - from, outputs);
            }
        }
        return result;
    }

    private void forward(NativeFloats x, int n, boolean training) {
        for (int i = 0; i < nodes.size(); i++) {
            Node node = nodes.get(i);
            NativeFloats in = node.input() == INPUT ? x : activations[node.input()];
            if (node.layer() != null) {
                node.layer().forward(in, activations[i], n, training);
            } else {
                add(in, activations[node.other()], activations[i], n * node.out().size());
            }
        }
    }

    /** Back from the last node: each node's gradient is complete once every consumer after it has delivered. */
    private void backward(NativeFloats x, int n, java.util.function.IntConsumer ready) {
        boolean[] written = new boolean[nodes.size()];
        written[nodes.size() - 1] = true;
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node node = nodes.get(i);
            if (!written[i]) {
                continue; // nothing downstream depends on this node
            }
            if (node.layer() == null) {
                deliver(node.input(), gradients[i], written, n);
                deliver(node.other(), gradients[i], written, n);
                continue;
            }
            NativeFloats in = node.input() == INPUT ? x : activations[node.input()];
            if (node.input() == INPUT) {
                node.layer().backward(in, activations[i], gradients[i], null, n);
            } else if (consumers[node.input()] == 1) {
                node.layer().backward(in, activations[i], gradients[i], gradients[node.input()], n);
                written[node.input()] = true;
            } else {
                node.layer().backward(in, activations[i], gradients[i], scratch, n);
                deliver(node.input(), scratch, written, n);
            }
            if (readyIndex[i] >= 0) {
                ready.accept(readyIndex[i]); // this layer's gradients are final: hand them over
            }
        }
    }

    /** Adds (or, for the first arrival, copies) a gradient into node {@code to}'s gradient. */
    private void deliver(int to, NativeFloats gradient, boolean[] written, int n) {
        if (to == INPUT) {
            return;
        }
        int count = n * nodes.get(to).out().size();
        if (written[to]) {
            add(gradients[to], gradient, gradients[to], count);
        } else {
            Activation.IDENTITY.forward(gradient, gradients[to], count, 0);
            written[to] = true;
        }
    }

    private static void add(NativeFloats a, NativeFloats b, NativeFloats sum, int count) {
        for (int i = 0; i < count; i++) {
            sum.data.put(i, a.data.get(i) + b.data.get(i));
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
        activations = new NativeFloats[nodes.size()];
        gradients = new NativeFloats[nodes.size()];
        long largest = 1;
        for (int i = 0; i < nodes.size(); i++) {
            long size = (long) n * nodes.get(i).out().size();
            activations[i] = NativeFloats.allocate(size);
            gradients[i] = NativeFloats.allocate(size);
            largest = Math.max(largest, size);
        }
        scratch = NativeFloats.allocate(largest);
        probabilities = NativeFloats.allocate((long) n * outputs);
        capacity = n;
    }

    private void freeBuffers() {
        if (activations == null) {
            return;
        }
        for (int i = 0; i < activations.length; i++) {
            activations[i].close();
            gradients[i].close();
        }
        scratch.close();
        probabilities.close();
        activations = null;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the engine's network was closed (its replica was evicted) and cannot"
                    + " run a pass");
        }
    }

    /** Frees the buffers and the layers' own; a second call does nothing. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        freeBuffers();
        nodes.forEach(node -> {
            if (node.layer() != null) {
                node.layer().close();
            }
        });
    }
}

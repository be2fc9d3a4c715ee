package org.sparkddp.worker.engine;

/** A hidden layer's element-wise activation, as a step of its own. Runs on an executor. */
final class ActivationOp implements EngineLayer {
    private final Shape shape;
    private final Activation activation;
    private final double alpha;
    /** ReLU's Java-side scratch: the values, and (backward) the outputs its derivative is read from. */
    private float[] values = new float[0];
    private float[] outputs = new float[0];

    /** @param alpha the slope of leaky ReLU's negative side, or ELU's scale; unused by the others */
    ActivationOp(Shape shape, Activation activation, double alpha) {
        this.shape = shape;
        this.activation = activation;
        this.alpha = alpha;
    }

    @Override
    public Shape out() {
        return shape;
    }

    @Override
    public void forward(NativeFloats in, NativeFloats out, int n, boolean training) {
        int count = n * shape.size();
        if (activation != Activation.RELU) {
            activation.forward(in, out, count, alpha);
            return;
        }
        // ReLU, the common case, over a Java array without branches (ReluKernels says why)
        float[] v = scratch(count);
        in.data.get(0, v, 0, count);
        ReluKernels.biasRelu(v, 0, 0f, v, 0, count);
        out.data.put(0, v, 0, count);
    }

    @Override
    public void backward(NativeFloats in, NativeFloats out, NativeFloats gradOut, NativeFloats gradIn, int n) {
        if (gradIn == null) {
            return;
        }
        int count = n * shape.size();
        if (activation != Activation.RELU) {
            activation.backward(in, out, gradOut, gradIn, count, alpha);
            return;
        }
        float[] g = scratch(count);
        gradOut.data.get(0, g, 0, count);
        out.data.get(0, outputs, 0, count);
        ReluKernels.maskByOutput(g, outputs, count); // the output is > 0 exactly where the input was
        gradIn.data.put(0, g, 0, count);
    }

    private float[] scratch(int count) {
        if (values.length < count) {
            values = new float[count];
            outputs = new float[count];
        }
        return values;
    }
}

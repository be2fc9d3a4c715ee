package org.sparkddp.worker.engine;

/** A hidden layer's element-wise activation, as a step of its own. Runs on an executor. */
final class ActivationOp implements EngineLayer {
    private final Shape shape;
    private final Activation activation;
    private final double alpha;

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
        activation.forward(in, out, n * shape.size(), alpha);
    }

    @Override
    public void backward(NativeFloats in, NativeFloats out, NativeFloats gradOut, NativeFloats gradIn, int n) {
        if (gradIn != null) {
            activation.backward(in, out, gradOut, gradIn, n * shape.size(), alpha);
        }
    }
}

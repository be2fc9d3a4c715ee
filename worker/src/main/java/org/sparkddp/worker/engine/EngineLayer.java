package org.sparkddp.worker.engine;

/**
 * One step of the engine's forward and backward pass over a batch of {@code n} examples, on buffers the network
 * allocated for its largest batch (see {@link Shape} for their layout). Runs on an executor, one task at a time.
 *
 * <p>Parameters and their gradients are views of DL4J's flat vectors: a layer reads its weights in place, and its
 * backward pass <em>writes</em> (not adds) the gradient summed over the batch into DL4J's gradient view, which is
 * the buffer the workers all-reduce. DL4J's updater then applies the optimizer to those same vectors.
 */
interface EngineLayer extends AutoCloseable {
    /** The shape of this layer's output for one example. */
    Shape out();

    /**
     * Computes {@code out} from {@code in}.
     *
     * @param training batch statistics and dropout masks (training) or running statistics and no dropout (inference)
     */
    void forward(NativeFloats in, NativeFloats out, int n, boolean training);

    /**
     * Writes this layer's parameter gradients and, unless {@code gradIn} is null (the first layer: nobody needs it),
     * the gradient with respect to its input. Called after {@link #forward} on the same batch, with the same
     * {@code in} and {@code out}; {@code gradOut} may be overwritten.
     */
    void backward(NativeFloats in, NativeFloats out, NativeFloats gradOut, NativeFloats gradIn, int n);

    /** Scratch memory the layer allocated; the network's activation buffers are the network's. */
    @Override
    default void close() {
    }
}

package org.sparkddp.worker.engine;

/**
 * How a compiled network lays out its image activations across a batch; one layout per network, chosen by
 * {@link EngineCompiler}, so that kernels written for different layouts never meet. Runs on an executor.
 */
enum ImageLayout {
    /**
     * {@code [channels, n, height, width]}: the engine's own Java kernels, whose convolution is one im2col matrix
     * product over the whole batch.
     */
    CHANNEL_MAJOR,
    /**
     * {@code [n, channels, height, width]}: DL4J's own order, and the one oneDNN's convolutions run fast on (with the
     * channel-major layout expressed as strides it falls back to its reference kernels, which took seconds a pass).
     * Flattening is then nothing: an example's image already is its row.
     */
    NCHW;

    /** An image layer that has no kernel for the NCHW layout: the network is compiled again, channel-major. */
    static final class NoNchwKernel extends Uncovered {
        NoNchwKernel(String what) {
            super(what);
        }
    }
}

package org.sparkddp.common.config;

/** How gradients cross sockets between workers; see {@code training.wire} in defaults.conf. */
public enum WireFormat implements ConfigChoice {
    /** Every float as it is: 4 bytes. */
    FP32,
    /**
     * Gradients rounded to bfloat16 (the float's upper 16 bits, round-to-nearest-even) where they cross a socket,
     * with error feedback: half the bytes of a gradient's exchange. Parameters and optimizer state stay fp32.
     */
    BF16;
}

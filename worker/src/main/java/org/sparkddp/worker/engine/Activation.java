package org.sparkddp.worker.engine;

/**
 * An element-wise activation of the engine, with DL4J's definitions (and its choices at the kinks: ReLU's
 * derivative at 0 is 0). Stateless; runs on an executor.
 */
enum Activation {
    IDENTITY, RELU, LEAKY_RELU, ELU, TANH, SIGMOID;

    /** {@code out[i] = f(in[i])} for {@code i < count}. */
    void forward(NativeFloats in, NativeFloats out, int count, double alpha) {
        float a = (float) alpha;
        var x = in.data;
        var y = out.data;
        switch (this) {
            case IDENTITY -> {
                if (in != out) {
                    for (int i = 0; i < count; i++) {
                        y.put(i, x.get(i));
                    }
                }
            }
            case RELU -> {
                for (int i = 0; i < count; i++) {
                    float v = x.get(i);
                    y.put(i, v > 0 ? v : 0f);
                }
            }
            case LEAKY_RELU -> {
                for (int i = 0; i < count; i++) {
                    float v = x.get(i);
                    y.put(i, v > 0 ? v : a * v);
                }
            }
            case ELU -> {
                for (int i = 0; i < count; i++) {
                    float v = x.get(i);
                    y.put(i, v > 0 ? v : (float) (alpha * Math.expm1(v)));
                }
            }
            case TANH -> {
                for (int i = 0; i < count; i++) {
                    y.put(i, (float) Math.tanh(x.get(i)));
                }
            }
            case SIGMOID -> {
                for (int i = 0; i < count; i++) {
                    y.put(i, (float) (1.0 / (1.0 + Math.exp(-x.get(i)))));
                }
            }
        }
    }

    /**
     * {@code gradIn[i] = gradOut[i] * f'(in[i])}, from the layer's input {@code in} and output {@code out} (whichever
     * the derivative is cheaper from). {@code gradIn} may be {@code gradOut}.
     */
    void backward(NativeFloats in, NativeFloats out, NativeFloats gradOut, NativeFloats gradIn, int count,
                  double alpha) {
        float a = (float) alpha;
        var x = in.data;
        var y = out.data;
        var g = gradOut.data;
        var d = gradIn.data;
        switch (this) {
            case IDENTITY -> {
                if (gradIn != gradOut) {
                    for (int i = 0; i < count; i++) {
                        d.put(i, g.get(i));
                    }
                }
            }
            case RELU -> {
                for (int i = 0; i < count; i++) {
                    d.put(i, x.get(i) > 0 ? g.get(i) : 0f);
                }
            }
            case LEAKY_RELU -> {
                for (int i = 0; i < count; i++) {
                    d.put(i, x.get(i) > 0 ? g.get(i) : a * g.get(i));
                }
            }
            case ELU -> {
                for (int i = 0; i < count; i++) {
                    float v = x.get(i);
                    d.put(i, v > 0 ? g.get(i) : (float) (g.get(i) * alpha * Math.exp(v)));
                }
            }
            case TANH -> {
                for (int i = 0; i < count; i++) {
                    float t = y.get(i);
                    d.put(i, g.get(i) * (1f - t * t));
                }
            }
            case SIGMOID -> {
                for (int i = 0; i < count; i++) {
                    float s = y.get(i);
                    d.put(i, g.get(i) * s * (1f - s));
                }
            }
        }
    }
}

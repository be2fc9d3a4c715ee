package org.sparkddp.common.model;

import java.util.StringJoiner;
import java.util.stream.Collectors;
import org.sparkddp.common.config.LayerSpec;

/**
 * A one-line name of a network for people, e.g. {@code 784-256-128-10 MLP} or
 * {@code 1x28x28-conv32-bn-maxpool2-dense128-drop0.5-10 CNN}.
 */
public final class NetworkDescription {
    private NetworkDescription() {
    }

    public static String of(NetworkSpec spec) {
        boolean convolutional = spec.model().layers().stream().anyMatch(l -> l instanceof LayerSpec.Conv
                || l instanceof LayerSpec.Pool);
        boolean residual = spec.model().isGraph();
        StringJoiner line = new StringJoiner("-");
        // An MLP sees images as flat vectors, so its input is a width; a convolutional network's is a shape.
        line.add(convolutional || residual
                ? spec.inputShape().stream().map(String::valueOf).collect(Collectors.joining("x"))
                : String.valueOf(spec.numInputs()));
        for (LayerSpec layer : spec.model().layers()) {
            line.add(name(layer));
        }
        line.add(String.valueOf(spec.numOutputs()));
        return line + (residual ? " ResNet" : convolutional ? " CNN" : " MLP");
    }

    private static String name(LayerSpec layer) {
        if (layer instanceof LayerSpec.Dense d) {
            return String.valueOf(d.units());
        } else if (layer instanceof LayerSpec.Conv c) {
            return "conv" + c.filters();
        } else if (layer instanceof LayerSpec.Pool p) {
            return (p.max() ? "maxpool" : "avgpool") + p.kernel();
        } else if (layer instanceof LayerSpec.BatchNorm) {
            return "bn";
        } else if (layer instanceof LayerSpec.Dropout d) {
            return "drop" + d.rate();
        } else if (layer instanceof LayerSpec.Residual r) {
            return "res" + r.filters() + (r.stride() == 1 ? "" : "/" + r.stride());
        }
        return layer.type();
    }
}

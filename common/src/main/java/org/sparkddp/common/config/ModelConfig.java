package org.sparkddp.common.config;

import java.io.Serializable;
import java.util.List;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * The {@code model} section: a dense network whose input and output sizes come from the data.
 *
 * @param hidden     hidden layer sizes, input side first (may be empty: softmax regression)
 * @param activation activation of every hidden layer
 */
public record ModelConfig(List<Integer> hidden, HiddenActivation activation) implements Serializable {
    public ModelConfig {
        hidden = List.copyOf(hidden);
        for (int i = 0; i < hidden.size(); i++) {
            if (hidden.get(i) <= 0) {
                throw new InvalidConfigException("model.hidden[" + i + "]", "must be > 0 but got " + hidden.get(i));
            }
        }
        Checks.present("model.activation", activation);
    }
}

package org.sparkddp.common.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * Reads {@code model.layers}: a list of objects, each with a {@code type} and that type's keys, whose defaults are
 * declared in {@code model.layer-defaults}. Errors name the layer's key and line, e.g.
 * {@code job.conf:14: model.layers[2].kernel: must be > 0 but got 0}. Runs on the driver.
 */
final class LayerReader {
    private static final String LAYERS = "model.layers";
    private static final String TYPE = "type";

    private LayerReader() {
    }

    static List<LayerSpec> read(TypedReader r, ActivationName defaultActivation) {
        ConfigObject typeDefaults = r.section("model.layer-defaults");
        List<ConfigValue> elements = r.list(LAYERS, "a list of layers such as [{ type = dense, units = 256 }]");
        List<LayerSpec> layers = new ArrayList<>(elements.size());
        for (int i = 0; i < elements.size(); i++) {
            layers.add(layer(LAYERS + "[" + i + "]", elements.get(i), typeDefaults, defaultActivation));
        }
        return layers;
    }

    private static LayerSpec layer(String key, ConfigValue value, ConfigObject typeDefaults, ActivationName activation) {
        String where = TypedReader.where(value);
        if (!(value instanceof ConfigObject element)) {
            throw new InvalidConfigException(key, where, "expected a layer such as { type = dense, units = 256 } but got "
                    + value.valueType().name().toLowerCase(Locale.ROOT) + " " + value.render());
        }
        String types = String.join(", ", new TreeSet<>(typeDefaults.keySet()));
        ConfigValue typeValue = element.get(TYPE);
        if (typeValue == null || typeValue.valueType() != ConfigValueType.STRING) {
            throw new InvalidConfigException(key + "." + TYPE, where, "is required: one of " + types);
        }
        String type = ((String) typeValue.unwrapped()).trim();
        if (!(typeDefaults.get(type) instanceof ConfigObject defaults)) {
            throw new InvalidConfigException(key + "." + TYPE, TypedReader.where(typeValue),
                    "must be one of " + types + " but got '" + type + "'");
        }
        for (String k : element.keySet()) {
            if (!k.equals(TYPE) && !defaults.containsKey(k)) {
                String takes = defaults.isEmpty() ? "takes no other keys"
                        : "takes " + String.join(", ", new TreeSet<>(defaults.keySet()));
                throw new InvalidConfigException(key + "." + k, TypedReader.where(element.get(k)),
                        "unknown key: a " + type + " layer " + takes);
            }
        }
        TypedReader e = new TypedReader(element.toConfig().withFallback(defaults.toConfig()), element.toConfig(),
                defaults.toConfig(), key + ".");
        try {
            return build(key, type, e, activation);
        } catch (InvalidConfigException problem) {
            if (!problem.where().isEmpty()) {
                throw problem;
            }
            // A record's range check: point at the value's own line if the layer sets it, else at the layer.
            String leaf = problem.key().startsWith(key + ".") ? problem.key().substring(key.length() + 1) : "";
            ConfigValue at = element.get(leaf);
            throw problem.locatedAt(TypedReader.where(at != null ? at : value));
        }
    }

    private static LayerSpec build(String key, String type, TypedReader e, ActivationName defaultActivation) {
        return switch (type) {
            case "dense" -> new LayerSpec.Dense(key, e.integer("units"), activation(e, defaultActivation));
            case "conv" -> new LayerSpec.Conv(key, e.integer("filters"), e.integer("kernel"), e.integer("stride"),
                    e.integerOr("padding", "same", LayerSpec.Conv.SAME), activation(e, defaultActivation));
            case "max-pool", "avg-pool" -> {
                int kernel = e.integer("kernel");
                yield new LayerSpec.Pool(key, type.equals("max-pool"), kernel,
                        e.isNull("stride") ? kernel : e.integer("stride"));
            }
            case "batch-norm" -> new LayerSpec.BatchNorm(key, e.number("decay"), e.number("epsilon"));
            case "dropout" -> new LayerSpec.Dropout(key, e.number("rate"));
            case "flatten" -> new LayerSpec.Flatten(key);
            case "residual" -> new LayerSpec.Residual(key, e.integer("filters"), e.integer("kernel"),
                    e.integer("stride"), e.choice("shortcut", LayerSpec.Residual.Shortcut.class),
                    activation(e, defaultActivation));
            default -> throw new IllegalStateException("model.layer-defaults declares layer type '" + type
                    + "', which the reader does not know");
        };
    }

    private static ActivationName activation(TypedReader e, ActivationName defaultActivation) {
        return e.isNull("activation") ? defaultActivation : e.choice("activation", ActivationName.class);
    }
}

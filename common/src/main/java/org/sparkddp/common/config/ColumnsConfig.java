package org.sparkddp.common.config;

import java.io.Serializable;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * The {@code data.columns} section: which columns of a DataFrame ({@code parquet}, {@code dataframe-table}) hold
 * the features and the label. Built on the driver.
 *
 * @param features one column holding a Spark ML Vector or an array of numbers, or several numeric columns, which
 *                 are joined in the order given
 * @param label    the column holding the class index (for class losses) or the target value
 * @param shape    the shape of one example, such as [1, 28, 28] for grey images stored as flat rows; empty for flat
 */
public record ColumnsConfig(List<String> features, String label, List<Integer> shape) implements Serializable {
    public static final ColumnsConfig DEFAULT = new ColumnsConfig(List.of("features"), "label", List.of());

    public ColumnsConfig {
        features = List.copyOf(features);
        shape = List.copyOf(shape);
        if (features.isEmpty()) {
            throw new InvalidConfigException("data.columns.features", "must name at least one column");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < features.size(); i++) {
            Checks.nonBlank("data.columns.features[" + i + "]", features.get(i));
            if (!seen.add(features.get(i))) {
                throw new InvalidConfigException("data.columns.features[" + i + "]", "names column '"
                        + features.get(i) + "' twice");
            }
        }
        Checks.nonBlank("data.columns.label", label);
        if (seen.contains(label)) {
            throw new InvalidConfigException("data.columns.features[" + features.indexOf(label) + "]", "names '"
                    + label + "', the label column (data.columns.label): a label is not a feature");
        }
        for (int i = 0; i < shape.size(); i++) {
            Checks.positive("data.columns.shape[" + i + "]", shape.get(i));
        }
    }

    static ColumnsConfig read(TypedReader r) {
        return new ColumnsConfig(r.stringList("data.columns.features"), r.string("data.columns.label"),
                r.intList("data.columns.shape"));
    }
}

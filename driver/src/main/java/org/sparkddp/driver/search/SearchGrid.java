package org.sparkddp.driver.search;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.common.error.InvalidInputException;

/**
 * A search space: each config key with the values to try ({@code grid { "optimizer.learning-rate" = [1e-3, 3e-3] }}),
 * searched exhaustively (every combination) or by {@code random { samples = N, seed = S }} distinct combinations
 * drawn from it. Read and checked on the driver before any trial runs.
 *
 * @param keys   the keys searched, in a fixed (sorted) order
 * @param trials each trial's {@code key=value} overrides
 */
public record SearchGrid(List<String> keys, List<List<String>> trials) {
    /** A grid of more combinations than this is surely a typo (and would run for days). */
    private static final int MAX_TRIALS = 1000;

    /** @param name the grid file's path, for errors */
    public static SearchGrid parse(String name, String text) {
        Config file;
        try {
            file = ConfigFactory.parseString(text, com.typesafe.config.ConfigParseOptions.defaults()
                    .setOriginDescription(name));
        } catch (ConfigException e) {
            throw new InvalidInputException(name + ": cannot parse: " + e.getMessage());
        }
        for (String top : file.root().keySet()) {
            if (!top.equals("grid") && !top.equals("random")) {
                throw new InvalidConfigException(top, name, "unknown section (expected grid, and optionally random)");
            }
        }
        if (!file.hasPath("grid") || file.getObject("grid").isEmpty()) {
            throw new InvalidConfigException("grid", name, "is required: config keys, each with a list of values");
        }
        Map<String, List<String>> values = new TreeMap<>();
        // The keys are the quoted full names ("optimizer.learning-rate"), so read the grid's own entries.
        for (Map.Entry<String, ConfigValue> entry : file.getObject("grid").entrySet()) {
            String key = entry.getKey();
            if (entry.getValue().valueType() != ConfigValueType.LIST || ((ConfigList) entry.getValue()).isEmpty()) {
                throw new InvalidConfigException("grid." + key, name, "expected a non-empty list of values (with the"
                        + " key quoted: \"" + key + "\" = [...])");
            }
            List<String> rendered = new ArrayList<>();
            for (ConfigValue value : (ConfigList) entry.getValue()) {
                rendered.add(render(value));
            }
            values.put(key, rendered);
        }
        List<String> keys = List.copyOf(values.keySet());
        List<List<String>> all = product(keys, values);
        if (file.hasPath("random")) {
            int samples = positive(file, "random.samples", name);
            long seed = file.hasPath("random.seed") ? file.getLong("random.seed") : 0;
            List<List<String>> shuffled = new ArrayList<>(all);
            Collections.shuffle(shuffled, new Random(seed));
            all = shuffled.subList(0, Math.min(samples, shuffled.size()));
        }
        return new SearchGrid(keys, List.copyOf(all));
    }

    /**
     * A value as the trial's {@code key=value} setting and the console show it: numbers as written in plain
     * decimals ({@code 0.0003}, not the {@code 3.0E-4} of Java's double), strings unquoted.
     */
    static String render(ConfigValue value) {
        if (value.valueType() == ConfigValueType.STRING) {
            return String.valueOf(value.unwrapped());
        }
        if (value.valueType() == ConfigValueType.NUMBER && value.unwrapped() instanceof Double d
                && Double.isFinite(d)) {
            return java.math.BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
        }
        return value.render(com.typesafe.config.ConfigRenderOptions.concise());
    }

    private static List<List<String>> product(List<String> keys, Map<String, List<String>> values) {
        List<List<String>> combos = List.of(List.of());
        for (String key : keys) {
            List<List<String>> next = new ArrayList<>();
            for (List<String> combo : combos) {
                for (String value : values.get(key)) {
                    List<String> extended = new ArrayList<>(combo);
                    extended.add(key + "=" + value);
                    next.add(extended);
                }
            }
            if (next.size() > MAX_TRIALS) {
                throw new InvalidConfigException("grid", "has more than " + MAX_TRIALS + " combinations; use random"
                        + " { samples = N } to draw some of them");
            }
            combos = next;
        }
        return combos;
    }

    private static int positive(Config file, String key, String name) {
        try {
            int value = file.getInt(key);
            if (value < 1) {
                throw new InvalidConfigException(key, name, "must be >= 1 but got " + value);
            }
            return value;
        } catch (ConfigException e) {
            throw new InvalidConfigException(key, name, "expected a whole number >= 1");
        }
    }
}

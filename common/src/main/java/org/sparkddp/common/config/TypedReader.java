package org.sparkddp.common.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * Reads typed values out of a merged config, with errors that name the key and where its value came from.
 *
 * <p>Strings that spell a number are accepted where a number is expected, because {@code --set key=0.1}
 * arrives as a string. It remembers every key it read, so that the loader can prove it read every key the
 * defaults declare.
 */
final class TypedReader {
    private final Config config;
    private final Config user;
    private final Config defaults;
    private final String prefix;
    private final Set<String> read = new HashSet<>();
    /** Every number and boolean read, by key: what a resolved config shows in place of "10" from --set. */
    private final java.util.Map<String, Object> parsed = new java.util.LinkedHashMap<>();

    /**
     * @param config   the merged config values are read from
     * @param user     what the user set (file and overrides), to tell an explicit value from a default
     * @param defaults the declared defaults
     * @param prefix   put before every key in errors and in {@link #keysRead()}, e.g. {@code model.layers[2].}
     */
    TypedReader(Config config, Config user, Config defaults, String prefix) {
        this.config = config;
        this.user = user;
        this.defaults = defaults;
        this.prefix = prefix;
    }

    Set<String> keysRead() {
        return Set.copyOf(read);
    }

    /** The numbers and booleans read so far, by key (with the prefix), as the types they were read as. */
    java.util.Map<String, Object> parsedValues() {
        return java.util.Collections.unmodifiableMap(parsed);
    }

    /**
     * Whether the user set {@code key} (in the file or with --set) to something other than its default. A value equal
     * to the default counts as unset: a checkpoint's config, which spells out every key, must read back as it was.
     */
    boolean isSet(String key) {
        if (!user.hasPathOrNull(key)) {
            return false;
        }
        if (!defaults.hasPathOrNull(key)) {
            return true;
        }
        if (defaults.getIsNull(key) || user.getIsNull(key)) {
            return defaults.getIsNull(key) != user.getIsNull(key);
        }
        return !java.util.Objects.equals(user.getValue(key).unwrapped(), defaults.getValue(key).unwrapped());
    }

    /** The first key under {@code section} (sorted) that the user set to a value other than its default, if any. */
    java.util.Optional<String> firstSetKey(String section) {
        if (user.hasPath(section) && user.getValue(section) instanceof ConfigObject) {
            return new java.util.TreeSet<>(user.getConfig(section).entrySet().stream().map(e -> e.getKey()).toList())
                    .stream().map(k -> section + "." + k).filter(this::isSet).findFirst();
        }
        return java.util.Optional.empty();
    }

    /** Marks the keys under {@code section} read, for sections that apply only to another choice. */
    void skipSection(String section) {
        if (config.hasPath(section)) {
            markRead(prefix + section, config.getObject(section));
        }
    }

    /** Every leaf under {@code object}, nulls included (a Config's entrySet leaves them out). */
    private void markRead(String path, ConfigObject object) {
        for (var entry : object.entrySet()) {
            String key = path + "." + entry.getKey();
            if (entry.getValue() instanceof ConfigObject child) {
                markRead(key, child);
            } else {
                read.add(key);
            }
        }
    }

    /** The section {@code key} as an object, all of whose keys count as read. */
    ConfigObject section(String key) {
        skipSection(key);
        read.add(prefix + key);
        return config.getObject(key);
    }

    boolean isNull(String key) {
        read.add(prefix + key);
        return !config.hasPathOrNull(key) || config.getIsNull(key);
    }

    /** Where the value of {@code key} came from, for errors about it. */
    String whereIs(String key) {
        if (user.hasPathOrNull(key)) {
            return where(user.getValue(key));
        }
        return config.hasPathOrNull(key) ? where(config.getValue(key)) : "";
    }

    /** A list whose elements are config objects (such as {@code model.layers}), with each element's own origin. */
    List<ConfigValue> list(String key, String expected) {
        ConfigValue v = required(key);
        if (v.valueType() != ConfigValueType.LIST) {
            throw wrongType(key, v, expected);
        }
        return List.copyOf((ConfigList) v);
    }

    /** An integer, or the given word (such as {@code same}) read as {@code wordValue}. */
    int integerOr(String key, String word, int wordValue) {
        ConfigValue v = required(key);
        if (v.valueType() == ConfigValueType.STRING && ((String) v.unwrapped()).trim().equals(word)) {
            return wordValue;
        }
        return integer(key);
    }

    String string(String key) {
        ConfigValue v = required(key);
        if (v.valueType() == ConfigValueType.STRING || v.valueType() == ConfigValueType.NUMBER) {
            return String.valueOf(v.unwrapped());
        }
        throw wrongType(key, v, "a string");
    }

    int integer(String key) {
        long value = longValue(key);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new InvalidConfigException(prefix + key, where(required(key)), "must fit in 32 bits but got " + value);
        }
        return (int) value;
    }

    long longValue(String key) {
        long value = parseLong(key, required(key));
        parsed.put(prefix + key, value);
        return value;
    }

    double number(String key) {
        ConfigValue v = required(key);
        if (v.valueType() == ConfigValueType.NUMBER) {
            return ((Number) v.unwrapped()).doubleValue();
        }
        if (v.valueType() == ConfigValueType.STRING) {
            try {
                double value = Double.parseDouble(((String) v.unwrapped()).trim());
                parsed.put(prefix + key, value);
                return value;
            } catch (NumberFormatException e) {
                throw wrongType(key, v, "a number");
            }
        }
        throw wrongType(key, v, "a number");
    }

    boolean bool(String key) {
        ConfigValue v = required(key);
        Object raw = v.unwrapped();
        if (raw instanceof Boolean b) {
            return b;
        }
        if (raw instanceof String s && (s.trim().equals("true") || s.trim().equals("false"))) {
            parsed.put(prefix + key, Boolean.parseBoolean(s.trim()));
            return Boolean.parseBoolean(s.trim());
        }
        throw wrongType(key, v, "true or false");
    }

    OptionalLong optionalLong(String key) {
        read.add(prefix + key);
        if (config.getIsNull(key)) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(longValue(key));
    }

    java.util.OptionalDouble optionalNumber(String key) {
        read.add(prefix + key);
        if (config.getIsNull(key)) {
            return java.util.OptionalDouble.empty();
        }
        return java.util.OptionalDouble.of(number(key));
    }

    java.util.Optional<String> optionalString(String key) {
        read.add(prefix + key);
        if (config.getIsNull(key)) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(string(key));
    }

    OptionalInt optionalInt(String key) {
        read.add(prefix + key);
        if (config.getIsNull(key)) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(integer(key));
    }

    Duration duration(String key) {
        return withUnit(key, "a duration with a unit, such as 120s or 2m", config::getDuration);
    }

    /** A size in bytes, or empty for null. */
    OptionalLong optionalBytes(String key) {
        read.add(prefix + key);
        if (config.getIsNull(key)) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(bytes(key));
    }

    /** A size in bytes: 32M, 128MiB, 512k. */
    long bytes(String key) {
        return withUnit(key, "a size with a unit, such as 32M or 128MiB", config::getBytes);
    }

    /** HOCON reads a bare number as milliseconds or bytes, so "300" would silently mean 0.3 s: insist on a unit. */
    private <T> T withUnit(String key, String expected, java.util.function.Function<String, T> parse) {
        ConfigValue v = required(key);
        if (v.valueType() != ConfigValueType.STRING || !String.valueOf(v.unwrapped()).trim().matches(".*[a-zA-Z]$")) {
            throw wrongType(key, v, expected);
        }
        try {
            return parse.apply(key);
        } catch (ConfigException e) {
            throw wrongType(key, v, expected);
        }
    }

    List<Integer> intList(String key) {
        ConfigValue v = required(key);
        if (v.valueType() != ConfigValueType.LIST) {
            throw wrongType(key, v, "a list of integers such as [256, 128]");
        }
        ConfigList list = (ConfigList) v;
        List<Integer> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            long element = parseLong(key + "[" + i + "]", list.get(i));
            if (element < Integer.MIN_VALUE || element > Integer.MAX_VALUE) {
                throw new InvalidConfigException(prefix + key + "[" + i + "]", where(list.get(i)),
                        "must fit in 32 bits but got " + element);
            }
            out.add((int) element);
        }
        return out;
    }

    /** A list of strings; a single string is a list of one. */
    List<String> stringList(String key) {
        ConfigValue v = required(key);
        if (v.valueType() == ConfigValueType.STRING) {
            return List.of(((String) v.unwrapped()).trim());
        }
        if (v.valueType() != ConfigValueType.LIST) {
            throw wrongType(key, v, "a list of names such as [x1, x2]");
        }
        ConfigList list = (ConfigList) v;
        List<String> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).valueType() != ConfigValueType.STRING) {
                throw new InvalidConfigException(prefix + key + "[" + i + "]", where(list.get(i)),
                        "expected a name but got " + render(list.get(i)));
            }
            out.add(((String) list.get(i).unwrapped()).trim());
        }
        return out;
    }

    <E extends Enum<E> & ConfigChoice> E choice(String key, Class<E> type) {
        ConfigValue v = required(key);
        String given = String.valueOf(v.unwrapped()).trim().toLowerCase(Locale.ROOT);
        for (E candidate : type.getEnumConstants()) {
            if (candidate.configName().equals(given)) {
                return candidate;
            }
        }
        String allowed = Arrays.stream(type.getEnumConstants()).map(ConfigChoice::configName)
                .collect(Collectors.joining(", "));
        throw new InvalidConfigException(prefix + key, where(v), "must be one of " + allowed + " but got '" + v.unwrapped() + "'");
    }

    private ConfigValue required(String key) {
        read.add(prefix + key);
        if (!config.hasPathOrNull(key) || config.getIsNull(key)) {
            throw new InvalidConfigException(prefix + key,
                    "is required: set it in the config file or with --set " + prefix + key + "=...");
        }
        return config.getValue(key);
    }

    private long parseLong(String key, ConfigValue v) {
        Object raw = v.unwrapped();
        if (raw instanceof Integer || raw instanceof Long) {
            return ((Number) raw).longValue();
        }
        if (raw instanceof String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                throw wrongType(key, v, "an integer");
            }
        }
        throw wrongType(key, v, "an integer");
    }

    private InvalidConfigException wrongType(String key, ConfigValue v, String expected) {
        return new InvalidConfigException(prefix + key, where(v), "expected " + expected + " but got " + render(v));
    }

    private static String render(ConfigValue v) {
        return switch (v.valueType()) {
            case STRING -> "'" + v.unwrapped() + "'";
            case NUMBER, BOOLEAN -> String.valueOf(v.unwrapped());
            // concise: a list or object given from a file would otherwise render over several lines, with comments
            default -> v.valueType().name().toLowerCase(Locale.ROOT) + " "
                    + v.render(com.typesafe.config.ConfigRenderOptions.concise());
        };
    }

    /** Where a value came from: {@code file:line}, {@code --set}, or the defaults. */
    static String where(ConfigValue v) {
        return where(v.origin());
    }

    static String where(ConfigOrigin origin) {
        String description = origin.description();
        if (description.startsWith(ConfigLoader.OVERRIDE_ORIGIN)) {
            return ConfigLoader.OVERRIDE_ORIGIN; // a one-line --set value: its "line 1" says nothing
        }
        // Typesafe writes "name: 12" (or "name @ url: 12"); we print file:line like compilers do.
        return description.replaceFirst(": (\\d+)$", ":$1");
    }
}

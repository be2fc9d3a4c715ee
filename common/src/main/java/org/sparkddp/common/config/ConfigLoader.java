package org.sparkddp.common.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.commons.text.similarity.LevenshteinDistance;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.common.error.InvalidInputException;

/**
 * Turns a HOCON config file plus {@code --set key=value} overrides into a validated {@link SparkDdpConfig}.
 * Runs on the driver.
 *
 * <p>Precedence: overrides, then the file, then {@code defaults.conf} (the only place defaults are declared).
 * Keys the defaults do not declare are errors, with a suggestion when one is close; so are values of the wrong
 * type. Everything under {@code spark} is passed through to Spark as written.
 */
public final class ConfigLoader {
    private static final String DEFAULTS = "defaults.conf";
    private static final String SPARK_SECTION = "spark";
    /** How errors name a value that came from the command line. */
    static final String OVERRIDE_ORIGIN = "--set";

    private ConfigLoader() {
    }

    /** A config document and the name (path or URI) errors should report for it. */
    public record Source(String name, String text) {
    }

    /** The validated config and the fully resolved document it came from, for provenance. */
    public record Loaded(SparkDdpConfig config, String resolvedJson) {
    }

    /** The built-in defaults, exactly as declared. */
    public static Config defaults() {
        return ConfigFactory.parseResources(ConfigLoader.class, DEFAULTS,
                ConfigParseOptions.defaults().setAllowMissing(false).setSyntax(ConfigSyntax.CONF));
    }

    /**
     * The Spark properties defaults.conf declares, by full name: what a Hadoop configuration built before any job
     * config is loaded (to read the checkpoint a run resumes from) still needs, such as the client's timeouts.
     */
    public static Map<String, String> sparkDefaults() {
        return sparkSettings(defaults(), ConfigFactory.empty()).defaults();
    }

    /**
     * @param file      the job's config file, or null for none
     * @param overrides {@code key=value} strings, later ones winning
     */
    public static Loaded load(Source file, List<String> overrides) {
        Config defaults = defaults();
        Config user = ConfigFactory.empty();
        if (file != null) {
            user = parse(file);
        }
        for (String override : overrides) {
            user = parseOverride(override).withFallback(user);
        }
        rejectUnknownKeys(user.root(), defaults, new ArrayList<>());

        Config merged;
        try {
            merged = user.withFallback(defaults).resolve();
        } catch (ConfigException e) {
            throw new InvalidInputException(locate(e) + "cannot resolve: " + e.getMessage());
        }
        SparkDdpConfig config;
        TypedReader reader = new TypedReader(merged, user, defaults, "");
        try {
            config = build(reader, merged, user, defaults);
        } catch (InvalidConfigException e) {
            throw e.where().isEmpty() ? locate(e, merged) : e;
        }
        String json = typed(merged, reader).root().render(ConfigRenderOptions.concise().setFormatted(true));
        return new Loaded(config, json);
    }

    /**
     * The merged document with every number and boolean that arrived as a string ({@code --set training.epochs=10}
     * gives "10") written as the number or boolean it was read as, so that the resolved config in summary.json, the
     * report and the checkpoints shows 10, not "10". Keys inside lists (model.layers[2].units) are left as given.
     */
    private static Config typed(Config merged, TypedReader reader) {
        Config typed = merged;
        for (Map.Entry<String, Object> value : reader.parsedValues().entrySet()) {
            String key = value.getKey();
            if (!key.contains("[") && merged.hasPath(key) && merged.getValue(key).valueType() == ConfigValueType.STRING) {
                typed = typed.withValue(key, ConfigValueFactory.fromAnyRef(value.getValue(),
                        merged.getValue(key).origin().description()));
            }
        }
        return typed;
    }

    /**
     * {@code training.elastic} and its keys. Without it the worker count is fixed, and setting min-workers or
     * max-workers is an error rather than a silently ignored key.
     */
    private static ElasticConfig elastic(TypedReader r) {
        boolean enabled = r.bool("training.elastic");
        int workers = r.integer("training.workers");
        int min = r.integer("training.min-workers");
        java.util.OptionalInt max = r.optionalInt("training.max-workers");
        java.time.Duration wait = r.duration("training.replacement-wait");
        if (!enabled) {
            Checks.positive("training.workers", workers);
            for (String key : List.of("training.min-workers", "training.max-workers")) {
                if (r.isSet(key)) {
                    throw new InvalidConfigException(key, "applies only with training.elastic = true");
                }
            }
            return ElasticConfig.fixed(workers, wait);
        }
        return new ElasticConfig(true, min, max.orElse(workers), wait);
    }

    /**
     * The {@code training.average-*} keys of local SGD. They apply in average mode only: set in sync mode, they are an
     * error rather than a silently ignored key.
     */
    private static LocalSgdConfig localSgd(TypedReader r) {
        LocalSgdConfig read = new LocalSgdConfig(r.integer("training.average-warmup-iterations"),
                r.number("training.average-outer-lr"), r.number("training.average-outer-momentum"));
        if (r.choice("training.mode", TrainingMode.class) != TrainingMode.AVERAGE) {
            for (String key : LocalSgdConfig.KEYS) {
                if (r.isSet(key)) {
                    throw new InvalidConfigException(key, "applies only with training.mode = average");
                }
            }
        }
        return read;
    }

    private static SparkDdpConfig build(TypedReader r, Config merged, Config user, Config defaults) {
        DataConfig data = DataConfig.read(r);
        SparkDdpConfig config = new SparkDdpConfig(
                data,
                new OutputConfig(r.string("output.dir"), r.integer("output.log-every"),
                        r.duration("output.progress-every"), r.bool("output.overwrite")),
                sparkSettings(merged, user),
                new TrainingConfig(
                        r.choice("training.mode", TrainingMode.class),
                        r.integer("training.average-every"),
                        r.bool("training.sharded-optimizer"),
                        r.choice("training.collective", CollectiveKind.class),
                        r.integer("training.workers"),
                        r.integer("training.batch-size"),
                        r.integer("training.epochs"),
                        r.longValue("training.seed"),
                        r.optionalLong("training.max-iterations"),
                        r.optionalInt("training.iterations-per-stage"),
                        r.duration("training.sync-timeout"),
                        r.integer("training.stage-attempts"),
                        elastic(r),
                        r.optionalInt("training.stage-seconds"),
                        r.duration("training.job-timeout"),
                        r.bytes("training.state-chunk"),
                        r.choice("training.engine", EngineKind.class),
                        r.bool("training.wire-crypto"),
                        localSgd(r),
                        r.choice("training.wire", WireFormat.class),
                        r.number("training.bucket-mb")),
                new CheckpointConfig(
                        r.optionalString("checkpoint.dir"),
                        r.optionalInt("checkpoint.every-iterations"),
                        r.optionalInt("checkpoint.every-epochs"),
                        r.integer("checkpoint.keep")),
                ValidationConfig.read(r, data),
                OptimizerReader.read(r),
                ModelReader.read(r));

        // A key declared in defaults.conf but never read here would be silently ignored: that is a bug.
        Set<String> unread = new TreeSet<>(leafKeys(defaults.root(), new ArrayList<>()));
        unread.removeIf(k -> k.startsWith(SPARK_SECTION + "."));
        unread.removeAll(r.keysRead());
        if (!unread.isEmpty()) {
            throw new IllegalStateException("defaults.conf declares keys the loader never reads: " + unread);
        }
        return config;
    }

    private static Config parse(Source file) {
        try {
            return ConfigFactory.parseString(file.text(), ConfigParseOptions.defaults()
                    .setOriginDescription(file.name()).setSyntax(ConfigSyntax.CONF));
        } catch (ConfigException e) {
            throw new InvalidInputException(locate(e) + "not valid HOCON: " + stripOrigin(e));
        }
    }

    /** Parses one {@code key=value}. Plain values stay strings (the reader parses numbers); [..], {..} and "..." are HOCON. */
    static Config parseOverride(String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            throw new InvalidInputException("--set: expected key=value but got '" + assignment + "'");
        }
        String key = assignment.substring(0, eq).trim();
        String raw = assignment.substring(eq + 1).trim();
        String origin = OVERRIDE_ORIGIN;
        try {
            ConfigValue value;
            if (raw.startsWith("[") || raw.startsWith("{") || raw.startsWith("\"")) {
                value = ConfigFactory.parseString("v = " + raw,
                        ConfigParseOptions.defaults().setOriginDescription(origin)).getValue("v");
            } else if (raw.equals("null")) {
                value = ConfigValueFactory.fromAnyRef(null, origin);
            } else {
                value = ConfigValueFactory.fromAnyRef(raw, origin);
            }
            return ConfigFactory.empty().withValue(key, value);
        } catch (ConfigException e) {
            throw new InvalidConfigException(key, origin, "cannot parse '" + raw + "': " + stripOrigin(e));
        }
    }

    private static void rejectUnknownKeys(ConfigObject user, Config defaults, List<String> prefix) {
        for (Map.Entry<String, ConfigValue> entry : user.entrySet()) {
            List<String> segments = new ArrayList<>(prefix);
            segments.add(entry.getKey());
            String path = ConfigUtil.joinPath(segments);
            ConfigValue value = entry.getValue();
            if (segments.get(0).equals(SPARK_SECTION)) {
                checkSparkValue(String.join(".", segments), value, segments.size() == 1);
                continue;
            }
            if (!defaults.hasPathOrNull(path)) {
                throw new InvalidConfigException(path, TypedReader.where(value), "unknown key" + suggestion(path, defaults));
            }
            boolean defaultIsSection = defaults.hasPath(path)
                    && defaults.getValue(path).valueType() == ConfigValueType.OBJECT;
            boolean userIsSection = value.valueType() == ConfigValueType.OBJECT;
            if (defaultIsSection && userIsSection) {
                rejectUnknownKeys((ConfigObject) value, defaults, segments);
            } else if (defaultIsSection) {
                throw new InvalidConfigException(path, TypedReader.where(value), "is a section { ... }, not a value");
            } else if (userIsSection) {
                throw new InvalidConfigException(path, TypedReader.where(value), "expected a value, not a section { ... }");
            }
        }
    }

    private static void checkSparkValue(String path, ConfigValue value, boolean isSectionItself) {
        if (value.valueType() == ConfigValueType.OBJECT) {
            ConfigObject object = (ConfigObject) value;
            for (Map.Entry<String, ConfigValue> child : object.entrySet()) {
                checkSparkValue(path + "." + child.getKey(), child.getValue(), false);
            }
        } else if (isSectionItself) {
            throw new InvalidConfigException(path, TypedReader.where(value), "is a section { ... }, not a value");
        } else if (value instanceof ConfigList) {
            throw new InvalidConfigException(path, TypedReader.where(value),
                    "Spark properties are strings, numbers or booleans, not lists");
        }
    }

    private static SparkSettings sparkSettings(Config merged, Config user) {
        Map<String, String> explicit = new HashMap<>();
        Map<String, String> defaults = new HashMap<>();
        if (merged.hasPath(SPARK_SECTION)) {
            collectSpark(merged.getObject(SPARK_SECTION), List.of(SPARK_SECTION), user, explicit, defaults);
        }
        return new SparkSettings(explicit, defaults);
    }

    private static void collectSpark(ConfigObject object, List<String> prefix, Config user,
                                     Map<String, String> explicit, Map<String, String> defaults) {
        for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
            List<String> segments = new ArrayList<>(prefix);
            segments.add(entry.getKey());
            ConfigValue value = entry.getValue();
            if (value.valueType() == ConfigValueType.OBJECT) {
                collectSpark((ConfigObject) value, segments, user, explicit, defaults);
            } else if (value.valueType() != ConfigValueType.NULL) {
                // Spark property names are the raw segments joined by dots, whatever quoting the file used.
                String property = String.join(".", segments);
                String text = String.valueOf(value.unwrapped());
                (user.hasPath(ConfigUtil.joinPath(segments)) ? explicit : defaults).put(property, text);
            }
        }
    }

    private static Set<String> leafKeys(ConfigObject object, List<String> prefix) {
        Set<String> keys = new TreeSet<>();
        for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
            List<String> segments = new ArrayList<>(prefix);
            segments.add(entry.getKey());
            if (entry.getValue().valueType() == ConfigValueType.OBJECT) {
                keys.addAll(leafKeys((ConfigObject) entry.getValue(), segments));
            } else {
                keys.add(ConfigUtil.joinPath(segments));
            }
        }
        return keys;
    }

    private static String suggestion(String unknown, Config defaults) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        String unknownLeaf = unknown.substring(unknown.lastIndexOf('.') + 1);
        for (String known : leafKeys(defaults.root(), new ArrayList<>())) {
            String knownLeaf = known.substring(known.lastIndexOf('.') + 1);
            // Commons Text's edit distance (on Spark's classpath, which the config is read with).
            int distance = Math.min(LevenshteinDistance.getDefaultInstance().apply(unknown, known),
                    knownLeaf.equals(unknownLeaf) ? 0 : Integer.MAX_VALUE);
            if (distance < bestDistance) {
                bestDistance = distance;
                best = known;
            }
        }
        return best != null && bestDistance <= 3 ? " (did you mean " + best + "?)" : "";
    }

    /** Re-locates a record's validation error at the file and line of the offending value. */
    private static InvalidConfigException locate(InvalidConfigException e, Config merged) {
        String path = e.key().replaceFirst("\\[(\\d+)]$", "");
        if (path.contains("[") || !merged.hasPath(path)) {
            return e; // keys inside list elements (model.layers[2].units) are located by their own reader
        }
        ConfigValue value = merged.getValue(path);
        java.util.regex.Matcher index = java.util.regex.Pattern.compile("\\[(\\d+)]$").matcher(e.key());
        if (index.find() && value instanceof ConfigList list) {
            int i = Integer.parseInt(index.group(1));
            if (i < list.size()) {
                value = list.get(i);
            }
        }
        String where = TypedReader.where(value);
        return where.contains(DEFAULTS) ? e : e.locatedAt(where);
    }

    private static String locate(ConfigException e) {
        return e.origin() == null ? "" : TypedReader.where(e.origin()) + ": ";
    }

    private static String stripOrigin(ConfigException e) {
        String message = e.getMessage();
        if (e.origin() != null && message.startsWith(e.origin().description())) {
            message = message.substring(e.origin().description().length()).replaceFirst("^:\\s*", "");
        }
        return message;
    }
}

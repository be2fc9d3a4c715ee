package org.sparkddp.common.config;

import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code spark} section: Spark properties, keyed by their full name ({@code spark.master}, ...).
 *
 * @param explicit the properties the job's config file or {@code --set} gave; these win over spark-submit
 * @param defaults the properties only defaults.conf gave; spark-submit's values win over these
 */
public record SparkSettings(Map<String, String> explicit, Map<String, String> defaults) implements Serializable {
    public SparkSettings {
        explicit = Map.copyOf(explicit);
        defaults = Map.copyOf(defaults);
    }

    /** Every property with its effective value when nothing else sets it, sorted by key. */
    public Map<String, String> merged() {
        Map<String, String> all = new TreeMap<>(defaults);
        all.putAll(explicit);
        return all;
    }

    /** The effective master URL, as far as the config knows (spark-submit may still override a default). */
    public String master() {
        return merged().get("spark.master");
    }
}

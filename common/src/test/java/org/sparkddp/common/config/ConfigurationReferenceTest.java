package org.sparkddp.common.config;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/CONFIGURATION.md, the configuration reference, has one table row for exactly the keys defaults.conf
 * declares: a key missing from the page fails, and so does a row naming a key that does not exist, and so does a key
 * with two rows (two rows drift apart, and a reader cannot tell which one is true).
 */
class ConfigurationReferenceTest {
    /** The reference page; Maven runs this module's tests from common/, the repository root is its parent. */
    private static final Path REFERENCE = Path.of("..", "docs", "CONFIGURATION.md");

    /** A table row whose first cell is one backquoted key, as {@code | `data.format` | `idx` | ... |}. */
    private static final Pattern ROW = Pattern.compile("(?m)^\\| `([a-z0-9.-]+)` \\|");

    @Test
    void theReferenceTableListsExactlyTheDeclaredKeys() throws IOException {
        Set<String> declared = new TreeSet<>();
        collect(ConfigLoader.defaults().root(), "", declared);

        assertTrue(Files.isRegularFile(REFERENCE), REFERENCE.toAbsolutePath().normalize() + " is missing");
        Set<String> documented = new TreeSet<>();
        Set<String> repeated = new TreeSet<>();
        Matcher row = ROW.matcher(Files.readString(REFERENCE));
        while (row.find()) {
            if (!documented.add(row.group(1))) {
                repeated.add(row.group(1));
            }
        }

        Set<String> undocumented = new TreeSet<>(declared);
        undocumented.removeAll(documented);
        Set<String> unknown = new TreeSet<>(documented);
        unknown.removeAll(declared);
        assertAll(
                () -> assertTrue(undocumented.isEmpty(),
                        "declared in defaults.conf but missing from " + REFERENCE + ": " + undocumented),
                () -> assertTrue(unknown.isEmpty(),
                        "documented in " + REFERENCE + " but not declared in defaults.conf: " + unknown),
                () -> assertTrue(repeated.isEmpty(), "documented twice in " + REFERENCE + ": " + repeated));
    }

    private static void collect(ConfigObject object, String prefix, Set<String> keys) {
        for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
            String key = prefix + e.getKey();
            if (key.equals("model.layer-defaults")) {
                keys.add(key); // one row documents every layer type's keys
            } else if (e.getValue().valueType() == ConfigValueType.OBJECT) {
                collect((ConfigObject) e.getValue(), key + ".", keys);
            } else {
                keys.add(key);
            }
        }
    }
}

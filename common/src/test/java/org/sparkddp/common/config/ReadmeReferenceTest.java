package org.sparkddp.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

/** The README's configuration reference lists exactly the keys defaults.conf declares. */
class ReadmeReferenceTest {
    @Test
    void readmeTableMatchesTheDeclaredKeys() throws IOException {
        Set<String> declared = new TreeSet<>();
        collect(ConfigLoader.defaults().root(), "", declared);

        String readme = Files.readString(Path.of("..", "README.md"));
        Set<String> documented = new TreeSet<>();
        Matcher row = Pattern.compile("(?m)^\\| `([a-z0-9.-]+)` \\|").matcher(readme);
        while (row.find()) {
            documented.add(row.group(1));
        }
        assertEquals(declared, documented, "README configuration reference vs defaults.conf");
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

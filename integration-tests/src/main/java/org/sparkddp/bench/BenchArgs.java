package org.sparkddp.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.sparkddp.common.config.ConfigLoader;

/** {@code --config FILE [--set key=value ...]}, read the same way {@code spark-ddp train} reads them. */
final class BenchArgs {
    private BenchArgs() {
    }

    static ConfigLoader.Loaded load(String[] args) throws java.io.IOException {
        String config = null;
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> config = args[++i];
                case "--set" -> overrides.add(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        ConfigLoader.Source source = config == null ? null
                : new ConfigLoader.Source(config, Files.readString(Path.of(config), StandardCharsets.UTF_8));
        return ConfigLoader.load(source, overrides);
    }
}

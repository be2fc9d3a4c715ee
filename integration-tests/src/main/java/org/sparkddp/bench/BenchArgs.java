package org.sparkddp.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.sparkddp.common.config.ConfigLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code --config FILE [--set key=value ...]}, read the same way {@code spark-ddp train} reads them. */
final class BenchArgs {
    private BenchArgs() {
    }

    @Command(name = "bench")
    static final class Options {
        @Option(names = "--config", paramLabel = "FILE", description = "a HOCON config file")
        String config;
        @Option(names = "--set", paramLabel = "key=value", description = "override one config key (repeatable)")
        List<String> overrides = new ArrayList<>();
    }

    static ConfigLoader.Loaded load(String[] args) throws java.io.IOException {
        return load(BenchOptions.parse("bench", new Options(), args));
    }

    /** The config that {@code options} (a program's own, as a picocli mixin) name. */
    static ConfigLoader.Loaded load(Options options) throws java.io.IOException {
        ConfigLoader.Source source = options.config == null ? null
                : new ConfigLoader.Source(options.config, Files.readString(Path.of(options.config),
                        StandardCharsets.UTF_8));
        return ConfigLoader.load(source, options.overrides);
    }
}

package org.sparkddp.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.config.DataFormat;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.driver.data.Datasets;

/** The committed Fashion-MNIST subset (2,000 train, 500 test) and configs that point at it. */
final class TestData {
    static final Path DIR = Path.of("src", "test", "resources", "fashion-mnist-small").toAbsolutePath();
    static final Path TRAIN = DIR.resolve("train-images-idx3-ubyte.gz");
    static final Path TEST = DIR.resolve("t10k-images-idx3-ubyte.gz");
    static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    /**
     * JVM options (SPARK_DDP_JAVA_OPTS) for the short-lived JVMs the tests start: the driver JVMs submitted to a
     * cluster, and the local-mode runs of small jobs ({@link ChildRun#shortLauncher}). The client compiler only: its
     * code is ready sooner and its compilations cost less than C2's, which a JVM of seconds to a minute does not live
     * long enough to pay back on two cores. Measured back to back on a loaded 2-core machine (2026-12-08), processor
     * time of the whole JVM: a 2-epoch local run on the subset, 6.6 s against 12.3 s with C2; a 375-iteration
     * job with two dense layers of 1,024 units, 18.7 s against 22.3 s (ND4J's native code does the
     * arithmetic either way). The full suite's own JVM, LauncherTest's training run and executors that train real
     * models on a cluster keep C2 ({@link LocalCluster#shortJobCommand} gives C1 to the executors of jobs of seconds).
     */
    static final String SHORT_JVM_OPTIONS = "-XX:TieredStopAtLevel=1";

    private TestData() {
    }

    /** A config on the subset, with the given overrides on top. */
    static ConfigLoader.Loaded config(Path outputDir, String... overrides) {
        List<String> all = new ArrayList<>(List.of("data.train=" + TRAIN, "data.test=" + TEST,
                "output.dir=" + outputDir, "spark.master=local[2]", "spark.ui.enabled=false"));
        all.addAll(Arrays.asList(overrides));
        return ConfigLoader.load(null, all);
    }

    /** A command line: {@code command}, then {@code --set} with each setting, in order (later ones win). */
    static List<String> commandLine(String command, List<String> settings) {
        List<String> args = new ArrayList<>(List.of(command));
        for (String s : settings) {
            args.add("--set");
            args.add(s);
        }
        return args;
    }

    static Datasets load(ConfigLoader.Loaded loaded) {
        return load(loaded.config().data(), TargetKind.of(loaded.config().model()));
    }

    /**
     * A config's examples, read whole: IDX as the bench's single-process baselines read it, CSV and LibSVM by the
     * tests' own {@link TabularReference}.
     */
    static Datasets load(DataConfig data, TargetKind kind) {
        return data.format() == DataFormat.IDX ? Datasets.load(data, kind, new Configuration())
                : TabularReference.load(data, kind);
    }

    /** Writes a config file; lines are joined with newlines. */
    static Path configFile(Path dir, String name, String... lines) throws java.io.IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }
}

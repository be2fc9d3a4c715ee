package org.sparkddp.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.deeplearning4j.util.ModelSerializer;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;

/**
 * What {@link BadInputTest}'s cases are made of: command lines that are good but for the one setting or file under
 * test, and the files they read (edited copies of the subset's IDX files, small tabular files, model zips).
 */
final class BadInputs {
    private BadInputs() {
    }

    /** {@code train} with good defaults pointing at the subset and a fresh output directory, then the overrides. */
    static List<String> args(Path dir, String... overrides) {
        List<String> settings = new ArrayList<>(List.of("data.train=" + TestData.TRAIN, "data.test=" + TestData.TEST,
                "output.dir=" + dir.resolve("out"), "spark.master=local[2]", "spark.ui.enabled=false",
                "training.epochs=1"));
        settings.addAll(List.of(overrides));
        return TestData.commandLine("train", settings);
    }

    /** {@code train} on a small tabular train and test file written under dir ({@code .csv} or {@code .svm}). */
    static List<String> tabular(Path dir, String format, String train, String test, String... overrides)
            throws IOException {
        String suffix = format.equals("csv") ? ".csv" : ".svm";
        List<String> all = new ArrayList<>(List.of("data.format=" + format,
                "data.train=" + Files.writeString(dir.resolve("train" + suffix), train),
                "data.test=" + Files.writeString(dir.resolve("test" + suffix), test)));
        all.addAll(List.of(overrides));
        return args(dir, all.toArray(String[]::new));
    }

    /** {@code evaluate --model model} on the subset's test set. */
    static List<String> evaluate(Path dir, Path model) {
        return List.of("evaluate", "--model", model.toString(), "--set", "data.test=" + TestData.TEST);
    }

    /** {@code search --grid grid} on the subset, each trial 1 epoch, into {@code dir/out}. */
    static List<String> search(Path dir, Path grid) {
        List<String> a = new ArrayList<>(args(dir));
        a.set(0, "search");
        a.addAll(List.of("--grid", grid.toString()));
        return a;
    }

    /** {@code predict --model model --input input --output dir/predicted}, in local mode. */
    static List<String> predict(Path dir, Path model, Path input, String... settings) {
        List<String> args = new ArrayList<>(List.of("predict", "--model", model.toString(), "--input",
                input.toString(), "--output", dir.resolve("predicted").toString(), "--set", "spark.master=local[2]",
                "--set", "spark.ui.enabled=false"));
        for (String s : settings) {
            args.addAll(List.of("--set", s));
        }
        return args;
    }

    /**
     * {@code dir/saved-model.zip}: the default network for the subset, untrained, in the format training writes its
     * model in (DL4J's, with the updater state) but without Spark. (Named so that the check for outputs left behind
     * does not take it for one.)
     */
    static Path model(Path dir) throws IOException {
        return model(dir, new int[] {1, 28, 28}, 10);
    }

    /** The same for a network of {@code inputShape} and {@code outputs}, with the config's {@code overrides}. */
    static Path model(Path dir, int[] inputShape, int outputs, String... overrides) throws IOException {
        NetworkSpec spec = NetworkSpec.of(TestData.config(dir.resolve("model-source"), overrides).config(), inputShape,
                outputs);
        Path model = dir.resolve("saved-model.zip");
        ModelSerializer.writeModel(NetworkFactory.build(spec).dl4jModel(), model.toFile(), true);
        return model;
    }

    /** A zip of the given entries: name, text, name, text, ... */
    static Path zip(Path target, String... namesAndTexts) throws IOException {
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(target))) {
            for (int i = 0; i < namesAndTexts.length; i += 2) {
                zip.putNextEntry(new java.util.zip.ZipEntry(namesAndTexts[i]));
                zip.write(namesAndTexts[i + 1].getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        return target;
    }

    @FunctionalInterface
    interface Edit {
        byte[] apply(byte[] bytes);
    }

    /** Writes an uncompressed, edited copy of the subset's train (0) or test (1) images next to its labels. */
    static Path rawCopy(Path dir, int which, String prefix, Edit edit) throws IOException {
        Path source = which == 0 ? TestData.TRAIN : TestData.TEST;
        Path images = dir.resolve(prefix + "-images-idx3-ubyte");
        Files.write(images, edit.apply(gunzip(source)));
        Path labels = dir.resolve(prefix + "-labels-idx1-ubyte");
        if (!Files.exists(labels)) {
            Files.write(labels, gunzip(TestData.DIR.resolve(prefix + "-labels-idx1-ubyte.gz")));
        }
        return images;
    }

    static void rawLabels(Path dir, String prefix, Edit edit) throws IOException {
        byte[] labels = gunzip(TestData.DIR.resolve(prefix + "-labels-idx1-ubyte.gz"));
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte"), edit.apply(labels));
    }

    static byte[] gunzip(Path file) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            return in.readAllBytes();
        }
    }

    static byte[] withMagic(byte[] bytes, int magic) {
        bytes[2] = (byte) (magic >>> 8);
        bytes[3] = (byte) magic;
        return bytes;
    }

    static byte[] withCount(byte[] bytes, int count) {
        bytes[4] = (byte) (count >>> 24);
        bytes[5] = (byte) (count >>> 16);
        bytes[6] = (byte) (count >>> 8);
        bytes[7] = (byte) count;
        return bytes;
    }
}

package org.sparkddp.examples;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * Writes the small example CSVs committed under {@code data/examples/} and the integration tests' resources:
 * a regression set and a binary classification set, each a train and a test file. Deterministic (fixed seeds),
 * so rerunning it reproduces the committed files byte for byte. Runs on a workstation, not in a job.
 *
 * <p>{@code java -cp integration-tests/target/classes org.sparkddp.examples.TabularExamples DIR}
 */
public final class TabularExamples {
    static final int TRAIN = 2000;
    static final int TEST = 500;

    private TabularExamples() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "data/examples");
        Files.createDirectories(dir);
        regression(dir.resolve("regression-train.csv"), TRAIN, 1);
        regression(dir.resolve("regression-test.csv"), TEST, 2);
        moons(dir.resolve("moons-train.csv"), TRAIN, 3);
        moons(dir.resolve("moons-test.csv"), TEST, 4);
    }

    /**
     * Eight features uniform in [-1, 1] and one target, {@code y = sin(pi x0) x1 + x2^2 - 0.5 x3 + 0.3 x4 x5
     * + noise}, noise normal with standard deviation 0.1; x6 and x7 are irrelevant. With a header line.
     */
    static void regression(Path file, int rows, long seed) throws IOException {
        Random random = new Random(seed);
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
            out.print("x0,x1,x2,x3,x4,x5,x6,x7,y\n");
            double[] x = new double[8];
            for (int r = 0; r < rows; r++) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < x.length; i++) {
                    x[i] = 2 * random.nextDouble() - 1;
                    line.append(String.format(Locale.ROOT, "%.4f,", x[i]));
                }
                double y = Math.sin(Math.PI * x[0]) * x[1] + x[2] * x[2] - 0.5 * x[3] + 0.3 * x[4] * x[5]
                        + 0.1 * random.nextGaussian();
                line.append(String.format(Locale.ROOT, "%.4f", y));
                out.print(line.append('\n'));
            }
        }
    }

    /**
     * Two interleaved half circles ("moons") with Gaussian noise of standard deviation 0.15: features x, y and a
     * 0/1 label, classes alternating. With a header line.
     */
    static void moons(Path file, int rows, long seed) throws IOException {
        Random random = new Random(seed);
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
            out.print("x,y,label\n");
            for (int r = 0; r < rows; r++) {
                int label = r % 2;
                double angle = Math.PI * random.nextDouble();
                double x = label == 0 ? Math.cos(angle) : 1 - Math.cos(angle);
                double y = label == 0 ? Math.sin(angle) : 0.5 - Math.sin(angle);
                x += 0.15 * random.nextGaussian();
                y += 0.15 * random.nextGaussian();
                out.print(String.format(Locale.ROOT, "%.4f,%.4f,%d\n", x, y, label));
            }
        }
    }
}

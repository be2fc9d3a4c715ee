package org.sparkddp.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.sparkddp.common.config.CsvConfig;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.config.DataFormat;
import org.sparkddp.common.config.Normalization;
import org.sparkddp.common.data.ClassLabels;
import org.sparkddp.common.data.DenseFeatures;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.RealTargets;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.data.Targets;
import org.sparkddp.common.plan.HoldOut;
import org.sparkddp.driver.data.Datasets;

/**
 * What a small, clean CSV or LibSVM file holds, worked out here with {@code String.split} and plain double
 * arithmetic, as the reference the executors' decoding ({@code TextBlockDecoder}, {@code TabularSources}) is
 * compared against: it shares none of their code. Only {@link HoldOut}, the rule the executors are asked to apply,
 * picks the held-out rows. Well-formed files only (one file each, unquoted fields, no bad rows): bad input is
 * tested through the executors themselves.
 */
final class TabularReference {
    private static final Pattern BLANKS = Pattern.compile("[ \t]+");

    private TabularReference() {
    }

    /** One file's rows as written: features, and the label columns in the order data.csv.label-columns names them. */
    record Table(float[][] features, float[][] targets) {
        static Table of(List<float[]> features, List<float[]> targets) {
            return new Table(features.toArray(float[][]::new), targets.toArray(float[][]::new));
        }

        int rows() {
            return features.length;
        }
    }

    static Datasets load(DataConfig data, TargetKind kind) {
        return load(data, kind, 0, 0);
    }

    /** Training (less any held out), test and validation examples, normalized with the kept rows' statistics. */
    static Datasets load(DataConfig data, TargetKind kind, double validationFraction, long seed) {
        Table train = read(data, data.train(), 0);
        int width = train.features()[0].length;
        Table test = read(data, data.test(), width);
        Optional<Table> validation = data.validation().map(v -> read(data, v, width));
        return of(train, test, validation, kind, data.classes().orElse(0), data.normalize(), validationFraction, seed);
    }

    /**
     * @param classes the number of classes ({@code data.classes}), or 0 for the largest training label + 1
     */
    static Datasets of(Table train, Table test, Optional<Table> validationFile, TargetKind kind, int classes,
                       Normalization normalize, double validationFraction, long seed) {
        int numClasses = kind != TargetKind.CLASS_INDEX || classes > 0 ? classes
                : Arrays.stream(train.targets()).mapToInt(t -> (int) t[0] + 1).max().orElse(0);
        LabeledExamples all = examples(train, kind, numClasses);
        HoldOut.Parts<LabeledExamples> parts = HoldOut.of(all.size(), validationFraction, seed)
                .split(all, LabeledExamples::select);
        Optional<LabeledExamples> validation = parts.held()
                .or(() -> validationFile.map(v -> examples(v, kind, numClasses)));
        float[][] scaling = fit(normalize, (DenseFeatures) parts.kept().features());
        return new Datasets(scaled(parts.kept(), scaling), scaled(examples(test, kind, numClasses), scaling),
                validation.map(v -> scaled(v, scaling)));
    }

    private static LabeledExamples examples(Table table, TargetKind kind, int numClasses) {
        int d = table.features()[0].length;
        float[] features = new float[table.rows() * d];
        for (int r = 0; r < table.rows(); r++) {
            System.arraycopy(table.features()[r], 0, features, r * d, d);
        }
        Targets targets;
        if (kind == TargetKind.CLASS_INDEX) {
            int[] labels = new int[table.rows()];
            for (int r = 0; r < labels.length; r++) {
                labels[r] = (int) table.targets()[r][0];
            }
            targets = new ClassLabels(numClasses, labels);
        } else {
            int width = table.targets()[0].length;
            float[] values = new float[table.rows() * width];
            for (int r = 0; r < table.rows(); r++) {
                System.arraycopy(table.targets()[r], 0, values, r * width, width);
            }
            targets = new RealTargets(width, values);
        }
        return new LabeledExamples(new DenseFeatures(table.rows(), d, features), targets);
    }

    /**
     * Per feature, the shift and the factor of {@code x' = (x - shift) * factor}: the minimum and 1 / range
     * ({@code scale}), or the mean and 1 / population standard deviation ({@code standardize}), two passes in
     * double; a constant feature gets factor 0.
     */
    private static float[][] fit(Normalization normalize, DenseFeatures train) {
        int d = train.columns();
        float[] shift = new float[d];
        float[] factor = new float[d];
        Arrays.fill(factor, 1f);
        for (int c = 0; c < d && normalize != Normalization.NONE; c++) {
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            double sum = 0;
            for (int r = 0; r < train.rows(); r++) {
                min = Math.min(min, train.get(r, c));
                max = Math.max(max, train.get(r, c));
                sum += train.get(r, c);
            }
            double mean = sum / train.rows();
            double squares = 0;
            for (int r = 0; r < train.rows(); r++) {
                squares += (train.get(r, c) - mean) * (train.get(r, c) - mean);
            }
            double std = Math.sqrt(squares / train.rows());
            if (normalize == Normalization.SCALE) {
                shift[c] = (float) min;
                factor[c] = max > min ? (float) (1 / (max - min)) : 0f;
            } else {
                shift[c] = (float) mean;
                factor[c] = std > 0 ? (float) (1 / std) : 0f;
            }
        }
        return new float[][] {shift, factor};
    }

    private static LabeledExamples scaled(LabeledExamples examples, float[][] scaling) {
        DenseFeatures in = (DenseFeatures) examples.features();
        float[] out = new float[in.data().length];
        for (int i = 0; i < out.length; i++) {
            int c = i % in.columns();
            out[i] = (float) (((double) in.data()[i] - scaling[0][c]) * scaling[1][c]);
        }
        return new LabeledExamples(new DenseFeatures(in.rows(), in.columns(), out), examples.targets());
    }

    /** @param width the training set's features, for a LibSVM test file (0 for the training file itself) */
    static Table read(DataConfig data, String location, int width) {
        List<String> lines;
        try {
            lines = Files.readAllLines(location.startsWith("file:") ? Path.of(URI.create(location))
                    : Path.of(location), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return switch (data.format()) {
            case CSV -> csv(lines, data.csv());
            case LIBSVM -> libsvm(lines, width);
            default -> throw new IllegalArgumentException(data.format() + ": the reference reads CSV and LibSVM");
        };
    }

    static Table csv(List<String> lines, CsvConfig csv) {
        List<float[]> features = new ArrayList<>();
        List<float[]> targets = new ArrayList<>();
        boolean header = csv.header();
        for (String line : lines) {
            line = line.replace("\uFEFF", "").strip();
            if (line.isEmpty()) {
                continue;
            }
            if (header) {
                header = false;
                continue;
            }
            String[] fields = csv.delimiter() == CsvConfig.WHITESPACE ? BLANKS.split(line)
                    : line.split(Pattern.quote(String.valueOf(csv.delimiter())), -1);
            List<Integer> labels = new ArrayList<>();
            for (int c : csv.labelColumns()) {
                labels.add(c < 0 ? fields.length + c : c);
            }
            float[] target = new float[labels.size()];
            for (int i = 0; i < target.length; i++) {
                target[i] = Float.parseFloat(fields[labels.get(i)].strip());
            }
            float[] row = new float[fields.length - labels.size()];
            for (int c = 0, f = 0; c < fields.length; c++) {
                if (!labels.contains(c)) {
                    row[f++] = Float.parseFloat(fields[c].strip());
                }
            }
            features.add(row);
            targets.add(target);
        }
        return Table.of(features, targets);
    }

    /** Dense rows as wide as the largest index (the training file's, when {@code width} is given). */
    static Table libsvm(List<String> lines, int width) {
        List<String[]> rows = new ArrayList<>();
        int largest = width;
        for (String line : lines) {
            String content = (line.contains("#") ? line.substring(0, line.indexOf('#')) : line).strip();
            if (!content.isEmpty()) {
                String[] tokens = BLANKS.split(content);
                rows.add(tokens);
                if (width == 0 && tokens.length > 1) {
                    String last = tokens[tokens.length - 1];
                    largest = Math.max(largest, Integer.parseInt(last.substring(0, last.indexOf(':'))));
                }
            }
        }
        List<float[]> features = new ArrayList<>();
        List<float[]> targets = new ArrayList<>();
        for (String[] tokens : rows) {
            float[] row = new float[largest];
            for (int t = 1; t < tokens.length; t++) {
                int colon = tokens[t].indexOf(':');
                row[Integer.parseInt(tokens[t].substring(0, colon)) - 1] = Float.parseFloat(
                        tokens[t].substring(colon + 1));
            }
            features.add(row);
            targets.add(new float[] {Float.parseFloat(tokens[0])});
        }
        return Table.of(features, targets);
    }
}

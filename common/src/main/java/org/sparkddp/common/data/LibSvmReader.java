package org.sparkddp.common.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.sparkddp.common.error.InvalidDataException;

/**
 * Parses LibSVM text, {@code label index:value index:value ...} with 1-based, strictly increasing indices, into
 * dense examples (the datasets this serves are small; features not listed are 0). The number of features is the
 * largest index in the training file; a test file may not use a larger one. Blank lines and {@code #} comments
 * are ignored. A bad row goes to {@link BadRows}. Runs on the driver.
 */
public final class LibSvmReader {
    static final Pattern BLANKS = Pattern.compile("[ \t]+");

    private final String name;
    private final ReadOptions options;

    /** @param name the file's path or URI, for messages */
    public LibSvmReader(String name, ReadOptions options) {
        this.name = name;
        this.options = options;
    }

    /** Reads the whole (already decompressed) stream; does not close it. */
    public TabularFile read(InputStream in) throws IOException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
        BadRows bad = new BadRows(name, options.onBadRow());
        TargetColumns targets = new TargetColumns(options, 1);
        // Sparse until the end, when the number of features is known: index (as a float, exact below 2^24), value.
        FloatColumn indices = new FloatColumn();
        FloatColumn values = new FloatColumn();
        FloatColumn rowEnds = new FloatColumn();
        float[] target = new float[1];
        int maxIndex = 0;
        long lineNumber = 0;
        String line;
        while ((line = lines.readLine()) != null) {
            lineNumber++;
            int comment = line.indexOf('#');
            String content = (comment >= 0 ? line.substring(0, comment) : line).strip();
            if (content.isEmpty()) {
                continue;
            }
            String[] tokens = BLANKS.split(content);
            Float label = bad.number(lineNumber, tokens[0], "label");
            if (label == null || !targets.accept(label, lineNumber, bad)) {
                continue;
            }
            int rowStart = indices.size();
            int rowMax = parseFeatures(tokens, lineNumber, bad, indices, values);
            if (rowMax < 0) {
                indices.truncate(rowStart);
                values.truncate(rowStart);
                continue;
            }
            maxIndex = Math.max(maxIndex, rowMax);
            target[0] = label;
            targets.add(target);
            rowEnds.add(indices.size());
        }
        int rows = rowEnds.size();
        if (rows == 0) {
            throw new InvalidDataException(name, "holds no examples" + (bad.skipped() > 0
                    ? " (all " + bad.skipped() + " rows were bad and skipped)" : ""));
        }
        int numFeatures = options.knownFeatures() > 0 ? options.knownFeatures() : maxIndex;
        if (numFeatures == 0) {
            throw new InvalidDataException(name, "has no feature in any row (no index:value pairs)");
        }
        float[] dense = new float[Math.multiplyExact(rows, numFeatures)];
        int k = 0;
        for (int r = 0; r < rows; r++) {
            for (int end = (int) rowEnds.get(r); k < end; k++) {
                dense[r * numFeatures + (int) indices.get(k) - 1] = values.get(k);
            }
        }
        LabeledExamples examples = new LabeledExamples(new DenseFeatures(rows, numFeatures, dense),
                targets.build(name));
        return new TabularFile(examples, bad.skipped());
    }

    /** Appends a row's index:value pairs; returns its largest index (0 for none), or -1 after rejecting the row. */
    private int parseFeatures(String[] tokens, long line, BadRows bad, FloatColumn indices, FloatColumn values) {
        return parseFeatures(options, tokens, line, bad, indices, values);
    }

    /** The same, for a reader of one block of a file ({@link TextBlockDecoder}). */
    static int parseFeatures(ReadOptions options, String[] tokens, long line, BadRows bad, FloatColumn indices,
                             FloatColumn values) {
        int previous = 0;
        for (int t = 1; t < tokens.length; t++) {
            String token = tokens[t];
            int colon = token.indexOf(':');
            if (colon <= 0) {
                bad.reject(line, "expected index:value but got '" + token + "'");
                return -1;
            }
            int index;
            try {
                index = Integer.parseInt(token.substring(0, colon));
            } catch (NumberFormatException e) {
                bad.reject(line, "feature index '" + token.substring(0, colon) + "' is not a whole number");
                return -1;
            }
            if (index < 1) {
                bad.reject(line, "feature index " + index + " is not >= 1 (LibSVM indices start at 1)");
                return -1;
            }
            if (index <= previous) {
                bad.reject(line, "feature index " + index + " follows " + previous
                        + ": indices must be strictly increasing");
                return -1;
            }
            if (options.knownFeatures() > 0 && index > options.knownFeatures()) {
                bad.reject(line, "feature index " + index + " is beyond the " + options.knownFeatures()
                        + " features of the training set");
                return -1;
            }
            if (index >= 1 << 24) {
                bad.reject(line, "feature index " + index + " is too large for a dense matrix");
                return -1;
            }
            Float value = bad.number(line, token.substring(colon + 1), "value of feature " + index);
            if (value == null) {
                return -1;
            }
            indices.add(index);
            values.add(value);
            previous = index;
        }
        return previous;
    }
}

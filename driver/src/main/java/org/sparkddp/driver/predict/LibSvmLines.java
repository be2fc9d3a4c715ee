package org.sparkddp.driver.predict;

import java.util.regex.Pattern;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.sparkddp.common.config.BadRowPolicy;

/**
 * A LibSVM line's features, by {@code LibSvmRow}'s rules: {@code label index:value ...} with 1-based, strictly
 * increasing indices, {@code #} comments and blank lines ignored, the label a number (dropped: predict outputs
 * its own), no index beyond the model's width. Sparse, as the line is. Applied on the executors.
 */
final class LibSvmLines extends LineParser {
    private static final long serialVersionUID = 1L;
    private static final Pattern BLANKS = Pattern.compile("[ \t]+");

    private final int width;

    LibSvmLines(int width, BadRowPolicy policy) {
        super(policy);
        this.width = width;
    }

    @Override
    Vector parse(String file, long offset, String line) {
        int comment = line.indexOf('#');
        String content = (comment >= 0 ? line.substring(0, comment) : line).strip();
        if (content.isEmpty()) {
            return null;
        }
        String[] tokens = BLANKS.split(content);
        number(file, offset, tokens[0], "label");
        int[] indices = new int[tokens.length - 1];
        double[] values = new double[tokens.length - 1];
        int previous = 0;
        for (int t = 1; t < tokens.length; t++) {
            String token = tokens[t];
            int colon = token.indexOf(':');
            if (colon <= 0) {
                throw reject(file, offset, "expected index:value but got '" + token + "'");
            }
            int index;
            try {
                index = Integer.parseInt(token.substring(0, colon));
            } catch (NumberFormatException e) {
                throw reject(file, offset, "feature index '" + token.substring(0, colon) + "' is not a whole number");
            }
            if (index < 1) {
                throw reject(file, offset, "feature index " + index + " is not >= 1 (LibSVM indices start at 1)");
            }
            if (index <= previous) {
                throw reject(file, offset, "feature index " + index + " follows " + previous
                        + ": indices must be strictly increasing");
            }
            if (index > width) {
                throw reject(file, offset, "feature index " + index + " is beyond the " + width
                        + " features the model takes");
            }
            indices[t - 1] = index - 1;
            values[t - 1] = number(file, offset, token.substring(colon + 1), "value of feature " + index);
            previous = index;
        }
        return Vectors.sparse(width, indices, values);
    }
}

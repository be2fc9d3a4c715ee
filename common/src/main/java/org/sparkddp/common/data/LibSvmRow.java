package org.sparkddp.common.data;

import java.util.regex.Pattern;

/**
 * LibSVM's rules for one row, {@code label index:value index:value ...}: 1-based, strictly increasing indices,
 * separated by blanks; features not listed are 0. The number of features is the largest index in the training
 * file, and a test file may not use a larger one. A bad pair goes to {@link BadRows}. Used by the executors'
 * decoder ({@link TextBlockDecoder}).
 */
final class LibSvmRow {
    static final Pattern BLANKS = Pattern.compile("[ \t]+");

    private LibSvmRow() {
    }

    /**
     * Appends a row's index:value pairs ({@code tokens} after the label); returns its largest index (0 for none),
     * or -1 after rejecting the row through {@code bad}.
     */
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

package org.sparkddp.driver.predict;

import java.util.List;
import java.util.Locale;
import org.sparkddp.common.config.DataFormat;

/**
 * Which reader {@code predict} uses for its input. Runs on the driver.
 *
 * <p>The rule: the config's {@code data.format} when the command line gives a config ({@code --config}) or sets
 * {@code data.format} with {@code --set}, so a job's own config reads its own kind of file; otherwise the input's
 * name decides: {@code ...-images-idx3-ubyte} or {@code ...-images-idx3-ubyte.gz} is {@code idx}, {@code .csv} or
 * {@code .csv.gz} is {@code csv}, {@code .svm}, {@code .libsvm} (and their {@code .gz}) is {@code libsvm}, and
 * anything else, a directory of part files say, is {@code parquet}.
 */
public final class PredictFormat {
    private PredictFormat() {
    }

    /**
     * @param hasConfig  whether the command line names a config file
     * @param overrides  its {@code --set} settings
     * @param configured the loaded config's {@code data.format}
     */
    public static DataFormat of(boolean hasConfig, List<String> overrides, DataFormat configured, String input) {
        boolean set = overrides.stream().anyMatch(o -> o.strip().startsWith("data.format"));
        return hasConfig || set ? configured : inferred(input);
    }

    /** The format the input's name implies. */
    public static DataFormat inferred(String input) {
        String name = input.replaceAll("/+$", "").toLowerCase(Locale.ROOT);
        String plain = name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
        if (plain.endsWith("-images-idx3-ubyte")) {
            return DataFormat.IDX;
        }
        if (plain.endsWith(".csv")) {
            return DataFormat.CSV;
        }
        if (plain.endsWith(".svm") || plain.endsWith(".libsvm")) {
            return DataFormat.LIBSVM;
        }
        return DataFormat.PARQUET;
    }
}

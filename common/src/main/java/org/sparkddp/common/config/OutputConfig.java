package org.sparkddp.common.config;

import java.io.Serializable;
import java.time.Duration;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * The {@code output} section.
 *
 * @param dir      directory (any Hadoop FileSystem URI) that receives model.zip, metrics.jsonl and summary.json
 * @param logEvery write one metrics line every this many iterations
 * @param progressEvery when the console is not a terminal, the least time between two progress lines (0: every
 *                      progress report the executors' heartbeats bring)
 * @param overwrite whether a run may replace the results an earlier run left in its output directory (once its
 *                  own are complete); without it such a run is refused
 */
public record OutputConfig(String dir, int logEvery, Duration progressEvery, boolean overwrite)
        implements Serializable {
    public OutputConfig {
        Checks.nonBlank("output.dir", dir);
        Checks.positive("output.log-every", logEvery);
        Checks.present("output.progress-every", progressEvery);
        if (progressEvery.isNegative()) {
            throw new InvalidConfigException("output.progress-every", "must be 0s or more but got " + progressEvery);
        }
    }
}

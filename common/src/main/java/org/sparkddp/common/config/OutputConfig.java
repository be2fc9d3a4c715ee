package org.sparkddp.common.config;

import java.io.Serializable;

/**
 * The {@code output} section.
 *
 * @param dir      directory (any Hadoop FileSystem URI) that receives model.zip, metrics.jsonl and summary.json
 * @param logEvery write one metrics line every this many iterations
 */
public record OutputConfig(String dir, int logEvery) implements Serializable {
    public OutputConfig {
        Checks.nonBlank("output.dir", dir);
        Checks.positive("output.log-every", logEvery);
    }
}

package org.sparkddp.common.data.shard;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.spark.SparkEnv;

/**
 * Where spilled shards go: one of Spark's local directories on this executor ({@code spark.local.dir}, which
 * Spark deletes when the executor stops), or a temporary directory when no Spark runs here (unit tests).
 */
final class SpillDirectory {
    private static Path temporary;

    private SpillDirectory() {
    }

    /** A new, not yet existing, file for one shard. */
    static Path newFile() {
        return pick().resolve("spark-ddp-shard-" + java.util.UUID.randomUUID() + ".bin");
    }

    private static Path pick() {
        SparkEnv env = SparkEnv.get();
        if (env != null) {
            File[] dirs = env.blockManager().diskBlockManager().localDirs();
            if (dirs.length > 0) {
                return dirs[ThreadLocalRandom.current().nextInt(dirs.length)].toPath();
            }
        }
        return temporary();
    }

    private static synchronized Path temporary() {
        if (temporary == null) {
            try {
                temporary = Files.createTempDirectory("spark-ddp-shards");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a directory for spilled shards", e);
            }
            temporary.toFile().deleteOnExit();
        }
        return temporary;
    }
}

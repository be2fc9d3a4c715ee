package org.sparkddp.driver.spark;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkddp.common.data.StorageFailures;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.driver.train.JobDeadline;
import org.sparkddp.worker.state.LocalPaths;

/**
 * Measures, before a run starts, that the executors see the paths on the driver's local disk ({@code file:}) they
 * are about to be handed: on a cluster whose executors run on other machines, each would read or write its own
 * disk instead (a model.zip in a worker's scratch directory, deleted with it). Runs on the driver.
 *
 * <p>Only where the master is not local, and only for {@code file:} paths (HDFS and object stores are shared by
 * nature): the driver writes a small marker file into each directory (an input is taken as it is), and one short
 * Spark job, bounded by {@code training.job-timeout}, asks a task in every task slot whether it sees them. On
 * {@code deploy/local-cluster} (one machine) they do; where one does not, the run is refused in one line.
 */
public final class ExecutorReach {
    /** How the marker files' names start: hidden, and removed once the job has answered. */
    static final String MARKER = ".spark-ddp-reach-";

    private ExecutorReach() {
    }

    /**
     * A path the executors are handed.
     *
     * @param key       the config key or option that named it
     * @param location  its fully qualified URI
     * @param directory a directory the driver may write a marker into; otherwise a file or directory that exists
     */
    public record Probe(String key, String location, boolean directory) {
        /** A directory the executors write into. */
        public static Probe directory(String key, String location) {
            return new Probe(key, location, true);
        }

        /** An existing file or directory the executors read. */
        public static Probe existing(String key, String location) {
            return new Probe(key, location, false);
        }
    }

    /** Refuses, in one line naming the key, a local path the executors do not see; nothing to do in local mode. */
    public static void check(JavaSparkContext sc, Duration bound, List<Probe> probes) {
        if (!sc.isLocal()) {
            verify(sc, bound, probes);
        }
    }

    /** The measurement itself, whatever the master. */
    static void verify(JavaSparkContext sc, Duration bound, List<Probe> probes) {
        String id = UUID.randomUUID().toString();
        Map<String, Probe> byUri = new LinkedHashMap<>();
        List<Path> markers = new ArrayList<>();
        try {
            for (Probe probe : probes) {
                URI uri = new org.apache.hadoop.fs.Path(probe.location()).toUri();
                if (!"file".equals(uri.getScheme())) {
                    continue;
                }
                Path path = Path.of(uri);
                if (probe.directory()) {
                    path = marker(probe, path.resolve(MARKER + id));
                    markers.add(path);
                }
                byUri.put(path.toUri().toString(), probe);
            }
            if (byUri.isEmpty()) {
                return;
            }
            List<String> unseen = ask(sc, bound, id, new ArrayList<>(byUri.keySet()));
            if (!unseen.isEmpty()) {
                String[] first = unseen.get(0).split("\t", 2);
                Probe probe = byUri.get(first[1]);
                throw new InvalidConfigException(probe.key(), "'" + probe.location() + "' is on the driver's local"
                        + " disk, which the executors do not see (the one on " + first[0] + " does not); use a shared"
                        + " filesystem such as hdfs://namenode:8020/path");
            }
        } finally {
            for (Path marker : markers) {
                try {
                    Files.deleteIfExists(marker);
                } catch (IOException e) {
                    // a hidden empty file left behind; the run goes on
                }
            }
        }
    }

    private static Path marker(Probe probe, Path marker) {
        try {
            return Files.createFile(marker);
        } catch (IOException e) {
            throw new InvalidConfigException(probe.key(), "cannot write to '" + probe.location() + "': "
                    + StorageFailures.reason(e));
        }
    }

    /** One task per task slot (at least two), each answering with the paths its executor does not see. */
    private static List<String> ask(JavaSparkContext sc, Duration bound, String id, List<String> uris) {
        int tasks = Math.max(2, sc.defaultParallelism());
        List<Integer> slots = IntStream.range(0, tasks).boxed().toList();
        return new JobDeadline(sc, "spark-ddp-reach-" + id, bound).run("check · the executors see the driver's"
                + " local paths", () -> sc.parallelize(slots, tasks)
                .flatMap(i -> LocalPaths.unseen(uris).iterator())
                .distinct()
                .collect());
    }
}

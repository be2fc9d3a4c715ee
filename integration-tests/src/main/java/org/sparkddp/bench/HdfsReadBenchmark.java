package org.sparkddp.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.plan.VirtualShards;
import org.sparkddp.driver.data.JobData;
import org.sparkddp.driver.data.ShardedData;
import org.sparkddp.driver.spark.SparkSetup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * How long the full Fashion-MNIST takes to read from HDFS against local disk, up to the cached training shards
 * on the executors: {@code deploy/bench hdfs-read}. Starts an HDFS in this JVM (a namenode and 2 datanodes on this
 * machine, 8 MB blocks so the 47 MB of raw training images span 6 of them), copies the Debian package's files
 * into it gzipped and raw, then times each way of reading them, medians of a few rounds, and prints figures and
 * ratios against local disk. Figures only: nothing here is asserted.
 */
public final class HdfsReadBenchmark {
    private static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");
    private static final String[] FILES = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

    private HdfsReadBenchmark() {
    }

    /** One way of reading: a place, a layout, and who reads the images. */
    private record Way(String name, String dir, String suffix, String splitSize) {
    }

    /** {@code deploy/bench hdfs-read [--rounds N]}. */
    @Command(name = "bench hdfs-read")
    static final class Options implements BenchOptions.Checked {
        @Option(names = "--rounds", paramLabel = "N", description = "timed rounds of each way of reading (default 3)")
        int rounds = 3;

        @Override
        public void check() {
            Benchmark.positive("--rounds", rounds);
        }
    }

    public static void main(String[] args) throws Exception {
        int rounds = BenchOptions.parseOrExit("bench hdfs-read", new Options(), args).rounds;
        Path work = Files.createTempDirectory("spark-ddp-hdfs-bench");
        Path raw = work.resolve("raw");
        Files.createDirectories(raw);
        for (String name : FILES) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(FASHION.resolve(name + ".gz")))) {
                Files.copy(in, raw.resolve(name));
            }
        }
        try (MiniHdfs hdfs = MiniHdfs.start(work.resolve("hdfs"), 8L << 20)) {
            for (String name : FILES) {
                hdfs.fs().copyFromLocalFile(new org.apache.hadoop.fs.Path(FASHION.resolve(name + ".gz").toUri()),
                        new org.apache.hadoop.fs.Path("/fashion-mnist/gz/" + name + ".gz"));
                hdfs.fs().copyFromLocalFile(new org.apache.hadoop.fs.Path(raw.resolve(name).toUri()),
                        new org.apache.hadoop.fs.Path("/fashion-mnist/raw/" + name));
            }
            List<Way> ways = List.of(
                    new Way("local disk, gzipped, read by the driver", FASHION.toString(), ".gz", "32M"),
                    new Way("HDFS, gzipped, read by the driver", hdfs.uri("/fashion-mnist/gz"), ".gz", "32M"),
                    new Way("local disk, raw, read by the driver", raw.toString(), "", "1G"),
                    new Way("HDFS, raw, read by the driver", hdfs.uri("/fashion-mnist/raw"), "", "1G"),
                    new Way("local disk, raw, read by the executors in 8 MB splits", raw.toString(), "", "8M"),
                    new Way("HDFS, raw, read by the executors in 8 MB splits", hdfs.uri("/fashion-mnist/raw"), "",
                            "8M"));
            JavaSparkContext sc = new JavaSparkContext(SparkContext.getOrCreate(SparkSetup.sparkConf(config(
                    ways.get(0)).config()).setAppName("spark-ddp HDFS read benchmark")));
            try {
                System.out.println(Machine.describe());
                System.out.printf(Locale.ROOT, "Fashion-MNIST, 60,000 + 10,000 images, read up to cached shards on 2"
                        + " workers (local[2]); median of %d rounds after one warm-up.%n%n", rounds);
                System.out.println("| source | seconds | vs local disk, same layout |");
                System.out.println("|---|---:|---:|");
                double[] medians = new double[ways.size()];
                for (int w = 0; w < ways.size(); w++) {
                    read(sc, ways.get(w)); // warm-up: class loading, JIT, first connections
                    double[] times = new double[rounds];
                    for (int r = 0; r < rounds; r++) {
                        times[r] = read(sc, ways.get(w));
                    }
                    Arrays.sort(times);
                    medians[w] = times[rounds / 2];
                    double local = medians[w - w % 2]; // each HDFS way follows its local-disk twin
                    System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f |%n", ways.get(w).name(), medians[w],
                            medians[w] / local);
                }
            } finally {
                sc.stop();
            }
        }
    }

    private static ConfigLoader.Loaded config(Way way) {
        return ConfigLoader.load(null, List.of("data.train=" + way.dir() + "/train-images-idx3-ubyte" + way.suffix(),
                "data.test=" + way.dir() + "/t10k-images-idx3-ubyte" + way.suffix(), "data.split-size=" + way.splitSize(),
                "output.dir=unused", "spark.master=local[2]", "spark.ui.enabled=false"));
    }

    /** Seconds from nothing to both datasets cached on the executors, as a training job gets them. */
    private static double read(JavaSparkContext sc, Way way) {
        DataConfig data = config(way).config().data();
        long start = System.nanoTime();
        JobData job = JobData.open(data, TargetKind.CLASS_INDEX, new Configuration());
        try (ShardedData train = job.train().shards(sc, VirtualShards.of(job.train().size(), data.virtualShards()), 2, "train");
             ShardedData test = job.test().slices(sc, 2, "test")) {
            long examples = train.rdd().map(e -> (long) e.size()).reduce(Long::sum)
                    + test.rdd().map(e -> (long) e.size()).reduce(Long::sum);
            if (examples != 70_000) {
                throw new IllegalStateException("read " + examples + " examples, expected 70,000");
            }
            return (System.nanoTime() - start) / 1e9;
        }
    }
}

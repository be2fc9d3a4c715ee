package org.sparkddp.driver.predict;

import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.BlockLocation;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.sparkddp.common.data.HadoopFiles;
import org.sparkddp.common.data.IdxHeader;
import org.sparkddp.common.data.IdxReader;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.common.error.InvalidDataException;
import org.sparkddp.driver.data.IdxDatasets;
import org.sparkddp.driver.output.QualifiedPath;
import org.sparkddp.driver.spark.HadoopConfs;
import scala.Tuple2;
import scala.collection.JavaConverters;

/**
 * An IDX images file as rows to predict, decoded by the executors. On the driver: the header (checked against
 * the model's width, and against the file's length for an uncompressed file), the labels file's header if one is
 * beside the images, and the splits: ranges of whole images of about {@code data.split-size} bytes, each task
 * preferring a host that stores its first block; a gzipped file cannot be split and is one task. On the
 * executors: {@link IdxSplitRows} streams each split's images (and labels) into rows. No image byte passes
 * through the driver.
 */
final class IdxRows implements PredictInput {
    private final String images;
    private final IdxHeader header;
    private final Optional<String> labels;
    private final List<Split> splits;

    private IdxRows(String images, IdxHeader header, Optional<String> labels, List<Split> splits) {
        this.images = images;
        this.header = header;
        this.labels = labels;
        this.splits = splits;
    }

    /** Images {@code [first, first + count)} of the file, and the hosts that store the block where they start. */
    record Split(int first, int count, String[] hosts) implements java.io.Serializable {
    }

    /** Checks the file against the model and plans its splits, without Spark. */
    static IdxRows plan(String images, int width, String model, long splitSize, Configuration hadoop) {
        IdxHeader header = HadoopFiles.read(images, hadoop,
                in -> IdxReader.readHeader(images, new DataInputStream(in), 3));
        boolean gzip = images.endsWith(".gz");
        if (!gzip) {
            IdxReader.checkLength(images, header, HadoopFiles.status(images, hadoop).getLen() - header.dataOffset());
        }
        if (header.itemSize() != width) {
            throw new InvalidDataException(images, "holds images of " + header.shape()[1] + "x" + header.shape()[2]
                    + " = " + header.itemSize() + " features, but the model in " + model + " takes " + width);
        }
        return new IdxRows(images, header, labelsBeside(images, header, hadoop), gzip
                ? List.of(new Split(0, header.count(), new String[0])) : splits(images, header, splitSize, hadoop));
    }

    @Override
    public Dataset<Row> rows(SparkSession spark, LongAccumulator skipped) {
        // The partitions hold split numbers (Integers, which Kryo knows); the plan travels in the closure.
        List<Tuple2<Integer, scala.collection.Seq<String>>> placed = new ArrayList<>();
        for (int s = 0; s < splits.size(); s++) {
            placed.add(new Tuple2<>(s, JavaConverters.asScalaBuffer(List.of(splits.get(s).hosts())).toSeq()));
        }
        // The executors open the files by their fully qualified URIs (a relative path would be resolved against
        // each executor's working directory); the rows name the images file as given.
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        String file = images;
        String path = QualifiedPath.of(images, hadoop, "--input");
        String labelsFile = labels.map(l -> QualifiedPath.of(l, hadoop, "--input")).orElse(null);
        IdxHeader idx = header;
        List<Split> plan = splits;
        JavaRDD<Row> rows = spark.sparkContext().makeRDD(JavaConverters.asScalaBuffer(placed).toSeq(),
                        scala.reflect.ClassTag$.MODULE$.apply(Integer.class)).toJavaRDD()
                // Executor: one split's images, streamed from a positioned read (or the whole gzip stream).
                .flatMap(s -> rows(file, path, labelsFile, idx, plan.get(s)));
        return spark.createDataFrame(rows, PredictRows.schema(labels.isPresent()));
    }

    private static Iterator<Row> rows(String images, String path, String labels, IdxHeader header, Split split) {
        Configuration conf = HadoopConfs.from(SparkEnv.get().conf());
        return new IdxSplitRows(images, path, Optional.ofNullable(labels), header, split.first(), split.count(), conf);
    }

    /** Whole images, about {@code splitSize} bytes a split (at least one image). */
    private static List<Split> splits(String images, IdxHeader header, long splitSize, Configuration hadoop) {
        BlockLocation[] blocks = HadoopFiles.blocks(images, hadoop);
        int perSplit = (int) Math.max(1, Math.min(header.count(), splitSize / header.itemSize()));
        List<Split> splits = new ArrayList<>();
        for (int first = 0; first < header.count(); first += perSplit) {
            long offset = header.dataOffset() + (long) first * header.itemSize();
            splits.add(new Split(first, Math.min(perSplit, header.count() - first), hostsAt(blocks, offset)));
        }
        return splits;
    }

    private static String[] hostsAt(BlockLocation[] blocks, long offset) {
        try {
            for (BlockLocation block : blocks) {
                if (offset >= block.getOffset() && offset < block.getOffset() + block.getLength()) {
                    return block.getHosts();
                }
            }
        } catch (IOException e) { // BlockLocation.getHosts declares it but only copies an array
            return new String[0];
        }
        return new String[0];
    }

    /**
     * The labels file named like the images ({@code ...-labels-idx1-ubyte[.gz]}), if it exists: its header is
     * checked here, its bytes are read by the executors beside the images.
     */
    private static Optional<String> labelsBeside(String images, IdxHeader header, Configuration hadoop) {
        String labels;
        try {
            labels = IdxDatasets.labelsLocation(images, "--input");
            if (!new Path(labels).getFileSystem(hadoop).exists(new Path(labels))) {
                return Optional.empty();
            }
        } catch (InvalidConfigException | IOException e) { // not named like images, or not reachable: no labels
            return Optional.empty();
        }
        IdxHeader counted = HadoopFiles.read(labels, hadoop,
                in -> IdxReader.readHeader(labels, new DataInputStream(in), 1));
        if (counted.count() != header.count()) {
            throw new InvalidDataException(images, "has " + header.count() + " images but " + labels + " has "
                    + counted.count() + " labels");
        }
        return Optional.of(labels);
    }
}

package org.sparkddp.driver.data;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.BlockLocation;
import org.apache.spark.HashPartitioner;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.sparkddp.common.data.ClassLabels;
import org.sparkddp.common.data.HadoopFiles;
import org.sparkddp.common.data.IdxHeader;
import org.sparkddp.common.data.IndexedImages;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.ShardBuilder;
import org.sparkddp.common.data.shard.ShardStorage;
import org.sparkddp.common.eval.MetricsSpec;
import org.sparkddp.common.plan.VirtualShards;
import org.sparkddp.driver.spark.HadoopConfs;
import scala.Tuple2;
import scala.collection.JavaConverters;

/**
 * An IDX images file that the executors read, in parallel, straight from the file system: an uncompressed one in
 * splits, a gzipped one whole, in one task (gzip cannot be split).
 *
 * <p>On the driver: the header (to cut the file into splits of whole images, about {@code data.split-size} bytes
 * each), the file's block locations (so that each split's task prefers a host that stores it) and the labels
 * file (one byte per image), nothing else. On the executors: each task reads its split with a positioned read,
 * cuts it by the shard (or slice) each image belongs to, and a Spark shuffle brings every piece to the task that
 * builds that shard. The image bytes go from the file system to the executors and between executors, never
 * through the driver, and the shards hold exactly what {@link ShardedData#forTraining} would have built from the
 * whole file, so training is the same either way.
 */
public final class SplitIdxImages implements ExampleSource {
    private final String location;
    private final IdxHeader header;
    private final int[] inputShape;
    private final ClassLabels labels;
    private final List<Split> splits;
    /** The owner of an image this source does not hold: the executors skip it. */
    private static final int NOT_READ = -1;
    /** The images of the file this source holds, ascending (a subset held out for validation, or the rest). */
    private final int[] rows;

    /** Images {@code [first, first + count)}, and the hosts that store the block where they start. */
    record Split(int first, int count, String[] hosts) implements java.io.Serializable {
    }

    private SplitIdxImages(String location, IdxHeader header, int[] inputShape, ClassLabels labels,
                           List<Split> splits, int[] rows) {
        this.location = location;
        this.header = header;
        this.inputShape = inputShape.clone();
        this.labels = labels;
        this.splits = List.copyOf(splits);
        this.rows = rows;
    }

    /** Cuts the file into splits of whole images, about {@code splitSize} bytes each (at least one image). */
    static SplitIdxImages plan(String location, IdxHeader header, int[] inputShape, ClassLabels labels,
                               long splitSize, Configuration hadoopConf) {
        BlockLocation[] blocks = HadoopFiles.blocks(location, hadoopConf);
        int perSplit = (int) Math.max(1, Math.min(header.count(), splitSize / header.itemSize()));
        List<Split> splits = new ArrayList<>();
        for (int first = 0; first < header.count(); first += perSplit) {
            long offset = header.dataOffset() + (long) first * header.itemSize();
            splits.add(new Split(first, Math.min(perSplit, header.count() - first), hostsAt(blocks, offset)));
        }
        int[] all = new int[header.count()];
        java.util.Arrays.setAll(all, i -> i);
        return new SplitIdxImages(location, header, inputShape, labels, splits, all);
    }

    private static String[] hostsAt(BlockLocation[] blocks, long offset) {
        try {
            for (BlockLocation block : blocks) {
                if (offset >= block.getOffset() && offset < block.getOffset() + block.getLength()) {
                    return block.getHosts();
                }
            }
            return new String[0];
        } catch (java.io.IOException e) { // BlockLocation.getHosts declares it but only copies an array
            return new String[0];
        }
    }

    /** The planned reads: images {@code [first, first + count)} each. For tests and the benchmark. */
    public List<int[]> splitRanges() {
        return splits.stream().map(s -> new int[] {s.first(), s.count()}).toList();
    }

    /** The hosts each split's task prefers, in order. */
    public List<List<String>> splitHosts() {
        return splits.stream().map(s -> List.of(s.hosts())).toList();
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public int size() {
        return rows.length;
    }

    @Override
    public int numFeatures() {
        return header.itemSize();
    }

    @Override
    public int[] inputShape() {
        return inputShape.clone();
    }

    @Override
    public int targetWidth() {
        return labels.numClasses();
    }

    @Override
    public ExampleSource subset(int[] selected) {
        int[] picked = new int[selected.length];
        for (int i = 0; i < picked.length; i++) {
            picked[i] = rows[selected[i]];
        }
        return new SplitIdxImages(location, header, inputShape, labels, splits, picked);
    }

    @Override
    public ShardedData shards(JavaSparkContext sc, VirtualShards shards, int workers, ShardStorage storage,
                              String name) {
        shards.checkWorkers(workers);
        int[] owner = unowned();
        int[] sizes = new int[workers];
        for (int member = 0; member < rows.length; member++) {
            owner[rows[member]] = shards.owner(member, workers);
            sizes[owner[rows[member]]]++;
        }
        return read(sc, owner, sizes, storage, name, shards);
    }

    @Override
    public ShardedData slices(JavaSparkContext sc, int parts, ShardStorage storage, String name) {
        int count = Math.max(1, Math.min(parts, size()));
        int[] owner = unowned();
        int[] sizes = new int[count];
        for (int p = 0; p < count; p++) { // the slices ShardedData.forEvaluation cuts
            int from = (int) ((long) size() * p / count);
            int to = (int) ((long) size() * (p + 1) / count);
            for (int i = from; i < to; i++) {
                owner[rows[i]] = p;
            }
            sizes[p] = to - from;
        }
        return read(sc, owner, sizes, storage, name, null);
    }

    /** An owner for every image of the file: none yet ({@link #NOT_READ}). */
    private int[] unowned() {
        int[] owner = new int[header.count()];
        java.util.Arrays.fill(owner, NOT_READ);
        return owner;
    }

    /**
     * Reads the file on the executors into {@code sizes.length} partitions, image {@code i} going to partition
     * {@code owner[i]} (none if {@link #NOT_READ}), each partition in ascending image order.
     */
    private ShardedData read(JavaSparkContext sc, int[] owner, int[] sizes, ShardStorage storage, String name,
                             VirtualShards virtual) {
        Broadcast<int[]> bcOwner = sc.broadcast(owner);
        Broadcast<int[]> bcLabels = sc.broadcast(labels.labels());
        String file = location;
        IdxHeader idx = header;
        int[] shape = inputShape;
        int classes = labels.numClasses();
        int parts = sizes.length;
        ShardBuilds builds = ShardBuilds.register(sc, name);

        List<Tuple2<Integer, scala.collection.Seq<String>>> placed = new ArrayList<>();
        for (int s = 0; s < splits.size(); s++) {
            placed.add(new Tuple2<>(s, JavaConverters.asScalaBuffer(List.of(splits.get(s).hosts())).toSeq()));
        }
        List<Split> plan = splits;
        JavaRDD<Integer> splitIndices = sc.sc().makeRDD(JavaConverters.asScalaBuffer(placed).toSeq(),
                scala.reflect.ClassTag$.MODULE$.apply(Integer.class)).toJavaRDD();
        JavaRDD<LabeledExamples> rdd = splitIndices
                // Executor: one positioned read per split, cut by the partition each image belongs to.
                .flatMapToPair(s -> pieces(file, idx, plan.get(s), bcOwner.value(), parts).iterator())
                .partitionBy(new HashPartitioner(parts)) // an Integer key w goes to partition w
                // Executor: the pieces of one partition, joined in image order, with their labels.
                .mapPartitions(pieces -> {
                    builds.count();
                    return join(pieces, shape, classes, bcLabels.value(), storage);
                }, true)
                .setName(name)
                .persist(StorageLevel.MEMORY_ONLY());
        // Read now, in a plain job: a file that changed since it was planned fails here, as one error naming it
        // (Main finds it in the job's failure), not as a training stage that is resubmitted and fails again.
        org.sparkddp.driver.spark.JobLabels.describe(sc.sc(), "read " + location + " · " + splits.size() + " splits · "
                + name, rdd::count);
        return ShardedData.of(rdd, List.of(bcOwner, bcLabels), sizes, MetricsSpec.of(labels), virtual, builds);
    }

    /**
     * Reads one split and cuts it by owner: one piece per partition that owns any of its images, keyed by that
     * partition. Runs on an executor.
     */
    private static List<Tuple2<Integer, IndexedImages>> pieces(String file, IdxHeader idx, Split split, int[] owner,
                                                               int parts) {
        Configuration conf = HadoopConfs.from(SparkEnv.get().conf());
        int size = idx.itemSize();
        // A gzipped file is one split, gunzipped whole and checked against its header (truncated, trailing bytes,
        // or a header that changed since it was planned); an uncompressed one is read at its split's offset.
        byte[] bytes = file.endsWith(".gz") ? gunzipped(file, conf, idx)
                : HadoopFiles.readRange(file, conf, idx.dataOffset() + (long) split.first() * size,
                        Math.multiplyExact(split.count(), size));
        int[] counts = new int[parts];
        for (int i = 0; i < split.count(); i++) {
            int p = owner[split.first() + i];
            if (p != NOT_READ) {
                counts[p]++;
            }
        }
        List<Tuple2<Integer, IndexedImages>> out = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            if (counts[p] == 0) {
                continue;
            }
            byte[] pixels = new byte[counts[p] * size];
            int[] indices = new int[counts[p]];
            int n = 0;
            for (int i = 0; i < split.count(); i++) {
                if (owner[split.first() + i] == p) {
                    System.arraycopy(bytes, i * size, pixels, n * size, size);
                    indices[n++] = split.first() + i;
                }
            }
            out.add(new Tuple2<>(p, new IndexedImages(indices, pixels)));
        }
        return out;
    }

    /** A gzipped images file's pixels, all of them. Runs on an executor. */
    private static byte[] gunzipped(String file, Configuration conf, IdxHeader planned) {
        org.sparkddp.common.data.IdxArray images = HadoopFiles.read(file, conf,
                in -> org.sparkddp.common.data.IdxReader.read(file, in, 3));
        if (images.count() != planned.count() || images.itemSize() != planned.itemSize()) {
            throw new org.sparkddp.common.error.InvalidDataException(file, "changed while it was read: it now holds "
                    + images.count() + " images of " + images.itemSize() + " bytes");
        }
        return images.data();
    }

    /**
     * Joins one partition's pieces in image order (pieces come from disjoint splits, each ascending) and attaches
     * the labels, into a shard stored as {@code storage} says. Runs on an executor.
     */
    private static Iterator<LabeledExamples> join(Iterator<Tuple2<Integer, IndexedImages>> pieces, int[] shape,
                                                  int classes, int[] allLabels, ShardStorage storage) {
        List<IndexedImages> sorted = new ArrayList<>();
        pieces.forEachRemaining(p -> sorted.add(p._2()));
        sorted.sort(Comparator.comparingInt(p -> p.indices()[0]));
        ShardBuilder shard = ShardBuilder.images(shape, classes, storage);
        for (IndexedImages piece : sorted) {
            int size = piece.pixels().length / piece.count();
            for (int i = 0; i < piece.count(); i++) {
                shard.addImage(piece.pixels(), i * size, allLabels[piece.indices()[i]]);
            }
        }
        return List.of(shard.build()).iterator();
    }
}

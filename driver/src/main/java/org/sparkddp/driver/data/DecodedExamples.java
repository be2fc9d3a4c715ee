package org.sparkddp.driver.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.sparkddp.common.data.BlockCounts;
import org.sparkddp.common.data.FeatureScaling;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.PieceKey;
import org.sparkddp.common.data.RowBlock;
import org.sparkddp.common.data.RowPiece;
import org.sparkddp.common.data.ShardBuilder;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.eval.MetricsSpec;
import org.sparkddp.common.plan.HoldOut;
import org.sparkddp.common.plan.VirtualShards;
import org.sparkddp.common.data.shard.ShardStorage;
import scala.Tuple2;

/**
 * Rows of a table the executors decoded ({@link DecodedTable}): all of them, or those {@link HoldOut.Rule} keeps
 * for training or holds out for validation, numbered consecutively in row order. The driver knows only how many
 * rows each block contributes; shards and evaluation slices are built by the executors: each block's rows are
 * normalized, cut by the shard they belong to, shuffled there, and each shard is built in row order with
 * {@link ShardBuilder}. Planned on the driver.
 */
final class DecodedExamples implements ExampleSource {
    /** Which rows of the table. */
    enum Selection { ALL, KEPT, HELD }

    private final DecodedTable table;
    private final Selection selection;
    private final HoldOut.Rule rule;
    private final Map<String, Long> firstIndex;
    private final int size;
    private final int columns;
    private final FeatureScaling scaling;
    private final TargetKind kind;
    private final int targetWidth;
    private final MetricsSpec metrics;

    /**
     * @param counts how many of each block's rows are selected, by block key (all of them for {@code ALL})
     */
    DecodedExamples(DecodedTable table, Selection selection, HoldOut.Rule rule, Map<String, Long> counts,
                    int columns, FeatureScaling scaling, TargetKind kind, int targetWidth, MetricsSpec metrics) {
        this.table = table;
        this.selection = selection;
        this.rule = rule;
        this.columns = columns;
        this.scaling = scaling;
        this.kind = kind;
        this.targetWidth = targetWidth;
        this.metrics = metrics;
        this.firstIndex = new HashMap<>();
        long index = 0;
        for (BlockCounts b : table.ordered()) {
            String key = DecodedTable.key(b);
            firstIndex.put(key, index);
            index += selection == Selection.ALL ? b.rows() : counts.get(key);
        }
        this.size = Math.toIntExact(index);
    }

    @Override
    public String location() {
        return table.location();
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int numFeatures() {
        return columns;
    }

    @Override
    public int[] inputShape() {
        return new int[] {columns};
    }

    @Override
    public int targetWidth() {
        return targetWidth;
    }

    /** The hold-out is applied by the rule, on the executors; a subset by row list is never asked of this. */
    @Override
    public ExampleSource subset(int[] rows) {
        throw new UnsupportedOperationException("rows of an executor-decoded table are selected by HoldOut.Rule");
    }

    /** Which of {@code parts} partitions gets the row numbered {@code index} of this selection. */
    private interface Owner extends Serializable {
        int of(long index);
    }

    @Override
    public ShardedData shards(JavaSparkContext sc, VirtualShards shards, int workers, ShardStorage storage,
                              String name) {
        shards.checkWorkers(workers);
        int[] sizes = new int[workers];
        for (int w = 0; w < workers; w++) {
            sizes[w] = Math.toIntExact(shards.localSize(w, workers));
        }
        return build(sc, index -> shards.owner(index, workers), sizes, storage, name, shards);
    }

    @Override
    public ShardedData slices(JavaSparkContext sc, int parts, ShardStorage storage, String name) {
        int count = Math.max(1, Math.min(parts, size));
        long[] from = new long[count + 1]; // the slices ShardedData.forEvaluation cuts
        int[] sizes = new int[count];
        for (int p = 0; p <= count; p++) {
            from[p] = (long) size * p / count;
        }
        for (int p = 0; p < count; p++) {
            sizes[p] = (int) (from[p + 1] - from[p]);
        }
        return build(sc, index -> {
            int p = java.util.Arrays.binarySearch(from, index);
            return p >= 0 ? Math.min(p, count - 1) : -p - 2;
        }, sizes, storage, name, null);
    }

    private ShardedData build(JavaSparkContext sc, Owner owner, int[] sizes, ShardStorage storage, String name,
                              VirtualShards virtual) {
        Map<String, Long> firstRows = table.firstRows();
        Map<String, Long> firsts = Map.copyOf(firstIndex);
        Selection select = selection;
        HoldOut.Rule holdOut = rule;
        FeatureScaling scale = scaling;
        int d = columns;
        int width = kind == TargetKind.CLASS_INDEX ? 1 : targetWidth;
        int parts = sizes.length;
        int[] shape = inputShape();
        TargetKind targets = kind;
        int outputs = targetWidth;
        ShardBuilds builds = ShardBuilds.register(sc, name);
        JavaRDD<LabeledExamples> rdd = table.blocks()
                // Executor: a block's selected rows, normalized, cut by the partition each belongs to.
                .flatMapToPair(block -> pieces(block, firstRows.get(DecodedTable.key(block.counts())),
                        firsts.get(DecodedTable.key(block.counts())), select, holdOut, scale, d, width, owner,
                        parts).iterator())
                // Spark's shuffle sorts each partition's pieces by their first row, spilling to disk as it must,
                // so a shard larger than memory streams into its builder in row order.
                .repartitionAndSortWithinPartitions(new PieceOrder.ByOwner(parts), PieceOrder.ORDER)
                // Executor: one partition's pieces in row order, built into its shard (spilled over the budget).
                .mapPartitions(pieces -> {
                    builds.count();
                    return shard(pieces, d, shape, targets, outputs, storage);
                }, true)
                .setName(name)
                .persist(StorageLevel.MEMORY_ONLY());
        org.sparkddp.driver.spark.JobLabels.describe(sc.sc(), "shard " + table.location() + " · " + name, rdd::count);
        JavaRDD<RowBlock> blocks = table.blocks();
        return ShardedData.of(rdd, sizes, metrics, virtual, builds, () -> blocks.unpersist(false));
    }

    /** Runs on an executor. */
    private static List<Tuple2<PieceKey, RowPiece>> pieces(RowBlock block, long firstRow, long firstIndex,
                                                          Selection select, HoldOut.Rule rule,
                                                          FeatureScaling scaling, int columns, int width,
                                                          Owner owner, int parts) {
        int[] counts = new int[parts];
        int[] owners = new int[block.rows()];
        long[] firsts = new long[parts];
        java.util.Arrays.fill(firsts, -1);
        long index = firstIndex;
        for (int i = 0; i < block.rows(); i++) {
            boolean held = rule.held(firstRow + i);
            boolean selected = select == Selection.ALL || (select == Selection.HELD) == held;
            owners[i] = selected ? owner.of(index) : -1;
            if (selected) {
                if (firsts[owners[i]] < 0) {
                    firsts[owners[i]] = index;
                }
                counts[owners[i]]++;
                index++;
            }
        }
        float[][] features = new float[parts][];
        float[][] targets = new float[parts][];
        int[] filled = new int[parts];
        float[] row = new float[columns];
        float[] target = new float[width];
        for (int i = 0; i < block.rows(); i++) {
            int p = owners[i];
            if (p < 0) {
                continue;
            }
            if (features[p] == null) {
                features[p] = new float[counts[p] * columns];
                targets[p] = new float[counts[p] * width];
            }
            block.features(i, row, columns);
            scaling.applyInPlace(row, 0);
            block.targets(i, target);
            System.arraycopy(row, 0, features[p], filled[p] * columns, columns);
            System.arraycopy(target, 0, targets[p], filled[p] * width, width);
            filled[p]++;
        }
        List<Tuple2<PieceKey, RowPiece>> out = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            if (counts[p] > 0) {
                out.add(new Tuple2<>(new PieceKey(p, firsts[p]),
                        new RowPiece(firsts[p], counts[p], features[p], targets[p])));
            }
        }
        return out;
    }

    /** Runs on an executor. */
    private static Iterator<LabeledExamples> shard(Iterator<Tuple2<PieceKey, RowPiece>> sorted, int columns,
                                                   int[] shape, TargetKind kind, int targetWidth,
                                                   ShardStorage storage) {
        ShardBuilder builder = ShardBuilder.tabular(columns, shape, kind, targetWidth, storage);
        int width = kind == TargetKind.CLASS_INDEX ? 1 : targetWidth;
        float[] row = new float[columns];
        float[] target = new float[width];
        while (sorted.hasNext()) {
            RowPiece piece = sorted.next()._2();
            for (int r = 0; r < piece.rows(); r++) {
                System.arraycopy(piece.features(), r * columns, row, 0, columns);
                System.arraycopy(piece.targets(), r * width, target, 0, width);
                builder.addRow(row, target);
            }
        }
        return List.of(builder.build()).iterator();
    }
}

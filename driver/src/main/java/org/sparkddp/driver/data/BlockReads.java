package org.sparkddp.driver.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.config.DataFormat;
import org.sparkddp.common.data.BadRows;
import org.sparkddp.common.data.CsvFields;
import org.sparkddp.common.data.CsvColumns;
import org.sparkddp.common.data.HadoopFiles;
import org.sparkddp.common.data.ReadOptions;
import org.sparkddp.common.data.RowBlock;
import org.sparkddp.common.data.TextBlockDecoder;
import org.sparkddp.driver.spark.HadoopConfs;

/**
 * A dataset as an RDD of {@link RowBlock}s that the executors decode, check and cache (memory, then disk), so each
 * file is parsed once however many jobs read it. On the driver: the file list, the files' sizes, the split plan
 * and, for CSV, each file's first line (its field count); no row.
 *
 * <ul>
 *   <li>CSV and LibSVM: the files of the location (a file, or a directory's files in sorted path order) in byte
 *       splits of about {@code data.split-size}, a line belonging to the split where it starts; a gzipped file
 *       is one split, so many gzipped files are read in parallel but one is never cut.</li>
 *   <li>Parquet and catalog tables: read by Spark SQL, each row keyed by its file ({@code _metadata.file_path})
 *       and its position there ({@code _metadata.row_index}), so a row's identity does not depend on how Spark
 *       packs the files into partitions. A table with no file behind it (a view of computed rows) has no such
 *       identity: its rows are keyed by partition index and position in the partition instead.</li>
 * </ul>
 */
final class BlockReads {
    private BlockReads() {
    }

    /** Bytes {@code [start, end)} of a text file, or the whole file ({@code end = Long.MAX_VALUE}, gzipped). */
    record TextSplit(String file, long start, long end) implements Serializable {
    }

    /** The blocks of a CSV or LibSVM dataset, decoded by the executors. Plans on the driver. */
    static JavaRDD<RowBlock> text(JavaSparkContext sc, DataConfig data, String location, ReadOptions options,
                                  Configuration hadoopConf) {
        List<TextSplit> splits = new ArrayList<>();
        List<TextBlockDecoder> decoders = new ArrayList<>();
        for (HadoopFiles.DataFile status : HadoopFiles.files(location, hadoopConf)) {
            String file = status.location();
            TextBlockDecoder decoder = status.length() == 0 ? null : decoder(data, file, options, hadoopConf);
            if (decoder == null) { // an empty file (as Spark writes for an empty partition) holds no rows
                continue;
            }
            if (file.endsWith(".gz")) { // gzip cannot be split: one task reads it whole
                splits.add(new TextSplit(file, 0, Long.MAX_VALUE));
                decoders.add(decoder);
                continue;
            }
            for (long start = 0; start < status.length(); start += data.splitSize()) {
                splits.add(new TextSplit(file, start, Math.min(status.length(), start + data.splitSize())));
                decoders.add(decoder);
            }
        }
        List<Integer> indices = new ArrayList<>();
        for (int i = 0; i < splits.size(); i++) {
            indices.add(i);
        }
        return sc.parallelize(indices, Math.max(1, splits.size()))
                // Executor: one split read from the file system and decoded.
                .map(i -> decode(splits.get(i), decoders.get(i)))
                .setName("decoded " + location)
                .persist(StorageLevel.MEMORY_AND_DISK());
    }

    /**
     * The decoder of one file: for CSV, its field count and label columns, from its first non-blank line; null for
     * a CSV file of blank lines only.
     */
    private static TextBlockDecoder decoder(DataConfig data, String file, ReadOptions options,
                                            Configuration hadoopConf) {
        if (data.format() != DataFormat.CSV) {
            return new TextBlockDecoder(data.format(), data.csv(), options, 0, new int[0]);
        }
        CsvColumns csv = new CsvColumns(file, data.csv(), options);
        CsvFields.FirstLine first = HadoopFiles.read(file, hadoopConf, CsvFields::firstLine);
        if (first == null) {
            return null; // blank lines only: no rows (a dataset of nothing but such files holds no examples)
        }
        return new TextBlockDecoder(data.format(), data.csv(), options, csv.fields(first.text(), first.number()),
                csv.labelColumns(first.text(), first.number()));
    }

    /** Reads and decodes one split. Runs on an executor. */
    private static RowBlock decode(TextSplit split, TextBlockDecoder decoder) {
        Configuration conf = HadoopConfs.from(SparkEnv.get().conf());
        if (split.end() == Long.MAX_VALUE) {
            return HadoopFiles.read(split.file(), conf, in -> decoder.decode(split.file(), 0, Long.MAX_VALUE, in));
        }
        return HadoopFiles.readFrom(split.file(), conf, Math.max(0, split.start() - 1),
                in -> decoder.decode(split.file(), split.start(), split.end(), in));
    }

    /**
     * The blocks of a Parquet dataset or catalog table: Spark SQL decodes the files, the executors check each row
     * and cut a partition's rows into blocks of consecutive rows of one file. Plans on the driver.
     */
    static JavaRDD<RowBlock> frame(SparkSession spark, DataConfig data, String location, String key,
                                   ReadOptions options) {
        Dataset<Row> frame = DataFrameTables.open(spark, data.format(), location, key);
        DataFrameTables.Reader reader = DataFrameTables.Reader.of(frame.schema(), data.columns(), location);
        List<Column> selected = new ArrayList<>();
        selected.add(functions.col("_metadata.file_path"));
        data.columns().features().forEach(c -> selected.add(frame.col(DataFrameTables.quoted(c))));
        selected.add(frame.col(DataFrameTables.quoted(data.columns().label())));
        selected.add(functions.col("_metadata.row_index"));
        Dataset<Row> keyed;
        boolean byFile = true;
        try {
            keyed = frame.select(selected.toArray(Column[]::new));
        } catch (Exception e) { // no file behind the table: key rows by partition (see the class comment)
            selected.set(0, functions.lit(location));
            selected.set(selected.size() - 1, functions.lit(-1L));
            keyed = frame.select(selected.toArray(Column[]::new));
            byFile = false;
        }
        return blocks(keyed, location, reader, options, byFile);
    }

    /**
     * The blocks of {@code keyed}: its columns are the file path, the features, the label and the row index in
     * the file (the first and last ignored unless {@code fileKeys}, when rows are keyed by partition and position
     * in it instead). Plans on the driver.
     */
    static JavaRDD<RowBlock> blocks(Dataset<Row> keyed, String location, DataFrameTables.Reader reader,
                                    ReadOptions options, boolean fileKeys) {
        int features = reader.count();
        return keyed.javaRDD()
                // Executor: rows checked (FrameRowCheck), cut into blocks of consecutive rows of a file.
                .mapPartitionsWithIndex((partition, rows) -> new FrameBlocks(location, reader, features, options,
                        fileKeys, partition, rows), true)
                .setName("decoded " + location)
                .persist(StorageLevel.MEMORY_AND_DISK());
    }

    /**
     * The most feature values in one block of DataFrame rows (16 MB of floats): a Spark partition of Parquet can
     * hold a whole row group of a large file, and a block is decoded, shuffled and cut into shards whole, so it must
     * stay a small part of an executor's memory. Where blocks end does not matter: rows are numbered by file and
     * position.
     */
    private static final long BLOCK_FLOATS = 4L << 20;

    /**
     * A partition's rows as blocks, one per run of consecutive rows of one file, of at most {@link #BLOCK_FLOATS}
     * values. Runs on an executor.
     */
    private static final class FrameBlocks implements Iterator<RowBlock> {
        private final String location;
        private final DataFrameTables.Reader reader;
        private final int features;
        private final ReadOptions options;
        private final boolean fileKeys;
        private final long partitionKey;
        private final Iterator<Row> rows;
        private final FrameRowCheck check;
        private Row pending;
        private long position;

        FrameBlocks(String location, DataFrameTables.Reader reader, int features, ReadOptions options,
                    boolean fileKeys, int partition, Iterator<Row> rows) {
            this.location = location;
            this.reader = reader;
            this.features = features;
            this.options = options;
            this.fileKeys = fileKeys;
            this.partitionKey = (long) partition << 32;
            this.rows = rows;
            this.check = new FrameRowCheck(options);
            this.pending = rows.hasNext() ? rows.next() : null;
        }

        @Override
        public boolean hasNext() {
            return pending != null;
        }

        /** Row {@code r}'s position in its file (0-based), or in the partition where rows have no file. */
        private long rowIndex(Row r) {
            return fileKeys ? r.getLong(features + 2) : partitionKey + position;
        }

        @Override
        public RowBlock next() {
            String file = fileKeys ? pending.getString(0) : location;
            long start = rowIndex(pending);
            RowBlock.Builder block = new RowBlock.Builder(file, start, false, 1);
            BadRows bad = new BadRows();
            long expected = start;
            long floats = 0;
            while (pending != null && (!fileKeys || pending.getString(0).equals(file))
                    && rowIndex(pending) == expected && floats < BLOCK_FLOATS) {
                Row r = pending;
                float[] values = reader.features(r);
                floats += values == null ? 1 : Math.max(1, values.length);
                Double label = r.isNullAt(features + 1) ? null : ((Number) r.get(features + 1)).doubleValue();
                // NOTE: rows are named 1-based, as a text file's lines are: row_index + 1.
                check.add(block, bad, (expected - (fileKeys ? 0 : partitionKey)) + 1, values, label);
                expected++;
                position++;
                pending = rows.hasNext() ? rows.next() : null;
            }
            return block.build(0, bad);
        }
    }
}

package org.sparkddp.common.config;

import java.io.Serializable;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * The {@code data} section: where the examples come from and how they are read. Built on the driver.
 *
 * @param format    the layout of both files
 * @param train     training examples (for IDX, the images; the labels file is found beside it)
 * @param test      held-out examples, the same format, evaluated after every epoch
 * @param validation optional validation examples, the same format, for {@link ValidationConfig}
 * @param csv       how CSV files are split (used only when {@code format} is csv)
 * @param columns   which DataFrame columns hold what (used only when {@code format} is read by Spark)
 * @param normalize how tabular features are rescaled, with training-set statistics; IDX allows only none
 * @param onBadRow  what a malformed row of a CSV or LibSVM file does
 * @param splitSize bytes above which an uncompressed IDX images file is read by the executors, in splits of about
 *                  this size, rather than by the driver
 * @param classes   the number of classes, if the config fixes it ({@code data.classes}); a label at or above it is
 *                  an error naming its file and row. Empty: taken from the training labels (largest + 1)
 * @param virtualShards the fixed number of virtual shards the training examples are cut into
 *                  ({@code data.virtual-shards}): the global batch of every iteration depends on it, on the data,
 *                  the seed and the batch size, never on the number of workers
 * @param cacheMemory the bytes of one worker's shard an executor keeps in memory ({@code data.cache-memory});
 *                  a larger shard is spilled to the executor's local disk. Empty: a share of the executor's heap
 * @param augment   random transformations of the training images ({@code data.augment})
 */
public record DataConfig(DataFormat format, String train, String test, java.util.Optional<String> validation,
                         CsvConfig csv, ColumnsConfig columns, Normalization normalize, BadRowPolicy onBadRow,
                         long splitSize, java.util.OptionalInt classes, int virtualShards,
                         java.util.OptionalLong cacheMemory, Augmentation augment)
        implements Serializable {
    /** The default of {@code data.split-size}, for configs built in code. */
    public static final long DEFAULT_SPLIT_SIZE = 32L << 20;
    /** The default of {@code data.virtual-shards}, for configs built in code. */
    public static final int DEFAULT_VIRTUAL_SHARDS = 256;

    public DataConfig {
        Checks.present("data.format", format);
        Checks.nonBlank("data.train", train);
        Checks.nonBlank("data.test", test);
        Checks.present("data.validation", validation).ifPresent(v -> Checks.nonBlank("data.validation", v));
        Checks.present("data.csv", csv);
        Checks.present("data.columns", columns);
        Checks.present("data.normalize", normalize);
        Checks.present("data.on-bad-row", onBadRow);
        Checks.positive("data.split-size", splitSize);
        Checks.present("data.classes", classes);
        if (classes.isPresent() && classes.getAsInt() < 2) {
            throw new InvalidConfigException("data.classes", "must be at least 2 (or null, to take the classes from"
                    + " the training labels) but got " + classes.getAsInt());
        }
        Checks.positive("data.virtual-shards", virtualShards);
        Checks.present("data.cache-memory", cacheMemory);
        cacheMemory.ifPresent(bytes -> Checks.positive("data.cache-memory", bytes));
        Checks.present("data.augment", augment);
        if (format == DataFormat.IDX && normalize != Normalization.NONE) {
            throw new InvalidConfigException("data.normalize", "must be none for data.format = idx (pixels are"
                    + " already scaled to [0, 1]) but got " + normalize.configName());
        }
    }

    /** IDX images and labels, as before tabular formats existed. */
    public DataConfig(String train, String test) {
        this(DataFormat.IDX, train, test, java.util.Optional.empty(), CsvConfig.DEFAULT,
                ColumnsConfig.DEFAULT, Normalization.NONE, BadRowPolicy.FAIL,
                DEFAULT_SPLIT_SIZE, java.util.OptionalInt.empty(), DEFAULT_VIRTUAL_SHARDS,
                java.util.OptionalLong.empty(), Augmentation.NONE);
    }

    /** Reads the section; the keys, their defaults and their meaning are in defaults.conf. */
    static DataConfig read(TypedReader r) {
        CsvConfig csv = new CsvConfig(CsvConfig.parseDelimiter(r.string("data.csv.delimiter")),
                r.bool("data.csv.header"), r.intList("data.csv.label-columns"));
        return new DataConfig(r.choice("data.format", DataFormat.class), r.string("data.train"),
                r.string("data.test"), r.optionalString("data.validation"), csv,
                ColumnsConfig.read(r), r.choice("data.normalize", Normalization.class),
                r.choice("data.on-bad-row", BadRowPolicy.class), r.bytes("data.split-size"),
                r.optionalInt("data.classes"), r.integer("data.virtual-shards"), r.optionalBytes("data.cache-memory"),
                Augmentation.read(r));
    }
}

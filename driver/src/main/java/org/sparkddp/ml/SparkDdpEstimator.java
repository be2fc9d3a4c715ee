package org.sparkddp.ml;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.util.ModelSerializer;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.driver.data.DataFrameExamples;
import org.sparkddp.driver.data.ExampleSource;
import org.sparkddp.driver.spark.ExecutorMemory;
import org.sparkddp.driver.spark.SparkSetup;
import org.sparkddp.driver.train.CheckpointSink;
import org.sparkddp.driver.train.RunAssembly;
import org.sparkddp.driver.train.StartState;
import org.sparkddp.driver.train.TrainingResult;

/**
 * A Spark ML {@link Estimator} that trains a spark-ddp network on a DataFrame of feature rows and labels and
 * returns a {@link SparkDdpModel}, for use on its own or as a Pipeline stage: the settings, the training and the
 * packaging shared by {@link SparkDdpClassifier} and {@link SparkDdpRegressor}. Runs on the driver; the run is
 * assembled, checked and trained by the same {@link RunAssembly} as {@code spark-ddp train}'s, on the executors, so
 * the two differ only in where the examples come from and what becomes of the result.
 *
 * <p>The settings are typed Params whose defaults are those of defaults.conf, the one place defaults live; the
 * {@code config} Param takes any other key of the config file (the {@code model}, {@code optimizer},
 * {@code training} and {@code validation} sections) in HOCON, and a Param set explicitly wins over it. Invalid
 * settings fail in {@link #fit} with the config loader's one-line error, naming the key.
 *
 * <p>NOTE: {@code fit} has the executors decode, check and shard the two selected columns
 * ({@link DataFrameExamples}); the driver receives per-block counts, never rows, so the DataFrame need not fit in
 * its memory.
 */
public abstract class SparkDdpEstimator<E extends SparkDdpEstimator<E>> extends Estimator<SparkDdpModel>
        implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;
    private static final com.typesafe.config.Config DEFAULTS = ConfigLoader.defaults();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SparkDdpEstimator.class);

    private final String uid;
    private final Param<String> featuresCol;
    private final Param<String> labelCol;
    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> rawPredictionCol;
    private final IntArrayParam inputShape;
    private final Param<String> config;
    private final IntParam epochs;
    private final IntParam batchSize;
    private final IntParam workers;
    private final DoubleParam learningRate;
    private final Param<String> mode;
    private final LongParam seed;

    protected SparkDdpEstimator(String uid) {
        this.uid = uid;
        featuresCol = ModelColumns.featuresCol(this);
        labelCol = new Param<>(this, "labelCol", labelDoc());
        predictionCol = ModelColumns.predictionCol(this);
        probabilityCol = ModelColumns.probabilityCol(this);
        rawPredictionCol = ModelColumns.rawPredictionCol(this);
        inputShape = ModelColumns.inputShape(this);
        config = new Param<>(this, "config", "further settings in HOCON, as in a config file: the model, optimizer,"
                + " training and validation sections (keys and defaults: defaults.conf)");
        epochs = new IntParam(this, "epochs", "passes over the training set (training.epochs)",
                ParamValidators.gtEq(1));
        batchSize = new IntParam(this, "batchSize", "global minibatch size, split over the workers"
                + " (training.batch-size)", ParamValidators.gtEq(1));
        workers = new IntParam(this, "workers", "data-parallel workers, one Spark task each (training.workers)",
                ParamValidators.gtEq(1));
        learningRate = new DoubleParam(this, "learningRate", "the optimizer's learning rate"
                + " (optimizer.learning-rate)", ParamValidators.gt(0));
        mode = new Param<>(this, "mode", "sync or average (training.mode)",
                ParamValidators.inArray(new String[] {"sync", "average"}));
        seed = new LongParam(this, "seed", "seed of initialization, sharding and data order (training.seed)");
        ModelColumns.setColumnDefaults(this, featuresCol, predictionCol, probabilityCol, rawPredictionCol, inputShape);
        setDefault(labelCol, "label");
        setDefault(config, "");
        setDefault(epochs, DEFAULTS.getInt("training.epochs"));
        setDefault(batchSize, DEFAULTS.getInt("training.batch-size"));
        setDefault(workers, DEFAULTS.getInt("training.workers"));
        setDefault(learningRate, DEFAULTS.getDouble("optimizer.learning-rate"));
        setDefault(mode, DEFAULTS.getString("training.mode"));
        setDefault(seed, DEFAULTS.getLong("training.seed"));
    }

    @Override
    public String uid() {
        return uid;
    }

    // Spark ML finds Params by their public no-argument getters, and users chain setters.
    public Param<String> featuresCol() { return featuresCol; }
    public Param<String> labelCol() { return labelCol; }
    public Param<String> predictionCol() { return predictionCol; }
    public Param<String> probabilityCol() { return probabilityCol; }
    public Param<String> rawPredictionCol() { return rawPredictionCol; }
    public IntArrayParam inputShape() { return inputShape; }

    /** Spark's text, with int-array values (inputShape) written as their elements, not as {@code [I@...}. */
    @Override
    public String explainParam(org.apache.spark.ml.param.Param<?> param) {
        return ModelColumns.explain(this, param, super.explainParam(param));
    }
    public Param<String> config() { return config; }
    public IntParam epochs() { return epochs; }
    public IntParam batchSize() { return batchSize; }
    public IntParam workers() { return workers; }
    public DoubleParam learningRate() { return learningRate; }
    public Param<String> mode() { return mode; }
    public LongParam seed() { return seed; }

    public E setFeaturesCol(String value) { set(featuresCol, value); return self(); }
    public E setLabelCol(String value) { set(labelCol, value); return self(); }
    public E setPredictionCol(String value) { set(predictionCol, value); return self(); }
    public E setProbabilityCol(String value) { set(probabilityCol, value); return self(); }
    public E setRawPredictionCol(String value) { set(rawPredictionCol, value); return self(); }
    /** The shape of one example, such as {1, 28, 28} for grey images given as flat rows; empty for flat input. */
    public E setInputShape(int[] value) { set(inputShape, value); return self(); }
    public E setConfig(String value) { set(config, value); return self(); }
    public E setEpochs(int value) { set(epochs, value); return self(); }
    public E setBatchSize(int value) { set(batchSize, value); return self(); }
    public E setWorkers(int value) { set(workers, value); return self(); }
    public E setLearningRate(double value) { set(learningRate, value); return self(); }
    public E setMode(String value) { set(mode, value); return self(); }
    public E setSeed(long value) { set(seed, value); return self(); }

    @Override
    public StructType transformSchema(StructType schema) {
        FeatureColumn.check(schema, "featuresCol", getOrDefault(featuresCol));
        LabelColumn.check(schema, getOrDefault(labelCol));
        return ModelColumns.outputSchema(schema, task(), getOrDefault(predictionCol), getOrDefault(probabilityCol),
                getOrDefault(rawPredictionCol));
    }

    /** Each typed Param and the config key it stands for. */
    private java.util.Map<Param<?>, String> configKeys() {
        java.util.Map<Param<?>, String> keys = new java.util.LinkedHashMap<>();
        keys.put(epochs, "training.epochs");
        keys.put(batchSize, "training.batch-size");
        keys.put(workers, "training.workers");
        keys.put(learningRate, "optimizer.learning-rate");
        keys.put(mode, "training.mode");
        keys.put(seed, "training.seed");
        return keys;
    }

    /**
     * The validated job config: defaults.conf, then the {@code config} Param, then the Params set explicitly.
     * The data and output keys, which a DataFrame replaces, get placeholders.
     */
    SparkDdpConfig jobConfig() {
        List<String> overrides = new ArrayList<>(List.of("data.train=DataFrame", "data.test=DataFrame",
                "output.dir=none"));
        for (var setting : configKeys().entrySet()) {
            if (isSet(setting.getKey())) {
                overrides.add(setting.getValue() + "=" + getOrDefault(setting.getKey()));
            }
        }
        // The task's own output layer first, so that the config Param can still change it.
        return ConfigLoader.load(new ConfigLoader.Source(getClass().getSimpleName() + ".config",
                outputDefaults() + "\n" + getOrDefault(config)), overrides).config();
    }

    /**
     * Adds what training needs to a SparkSession's configuration: Kryo with spark-ddp's registrator, one ND4J
     * thread per task, and the trainer's other defaults. {@code SparkSession.builder().config(configure(conf))}.
     */
    public static org.apache.spark.SparkConf configure(org.apache.spark.SparkConf conf) {
        return SparkSetup.withTrainerSettings(conf);
    }

    @Override
    public SparkDdpModel fit(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        org.apache.spark.SparkConf session = dataset.sparkSession().sparkContext().getConf();
        if (!SparkSetup.KRYO.equals(session.get("spark.serializer", ""))
                || !session.get("spark.kryo.registrator", "").contains(SparkSetup.REGISTRATOR)) {
            throw new InvalidConfigException("spark.kryo.registrator", "must include " + SparkSetup.REGISTRATOR
                    + ", with spark.serializer = " + SparkSetup.KRYO + ", for spark-ddp to train in this session:"
                    + " build it with SparkSession.builder().config(SparkDdpEstimator.configure(new SparkConf()))");
        }
        SparkDdpConfig job = jobConfig();
        if (job.data().validation().isPresent()) {
            throw new InvalidConfigException("data.validation", "does not apply to fit, whose examples all come from"
                    + " the DataFrame: hold some out with validation.fraction in the config Param");
        }
        if (job.checkpoint().enabled()) {
            throw new InvalidConfigException("checkpoint.dir", "does not apply to fit, which cannot be resumed"
                    + " (a Pipeline refits from its DataFrame); train with spark-ddp train for checkpoints");
        }
        // Step 1, decode: the features and labels, checked and counted by the executors (no row comes to the
        // driver); validation.fraction of them held out by the per-row rule.
        DataFrameExamples.Parts parts = DataFrameExamples.open(dataset, getOrDefault(featuresCol),
                getOrDefault(labelCol), targetKind(), job.validation(), job.training().seed());
        ExampleSource source = parts.train();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        // Step 2, train: the run assembled, checked and trained as the command line's (RunAssembly), augmentation
        // included; each epoch's metrics are on the training set itself (a Pipeline has no test set to offer), and
        // on the held-out rows, which early stopping (validation.patience) watches, if the config Param holds some
        // out. The session runs already: the executors' native limit is checked, not set.
        RunAssembly run = RunAssembly.check(job, new RunAssembly.Examples("fit", "the DataFrame", source, source,
                parts.held()), ModelColumns.shape(getOrDefault(inputShape), source.numFeatures()),
                ExecutorMemory.running(sc.getConf()), LOG::warn);
        TrainingResult result = run.train(sc, "fit-" + UUID.randomUUID(), List.of(), CheckpointSink.NONE,
                StartState.fresh(run.network()), Optional.empty()).result();
        // The final state, or under early stopping the best one; its counters say how far it was trained. The
        // fitted model is a driver-side network, so the state is fetched from the executors here, once.
        TrainableNetwork network = NetworkFactory.build(run.network());
        result.model().applyTo(network);
        result.release();
        // Step 3, package: the network as a model.zip held in memory, the model's portable form.
        SparkDdpModel model = new SparkDdpModel(uid, modelZip(network), source.targetWidth(), task());
        copyValues(model, extractParamMap());
        return (SparkDdpModel) model.setParent(this);
    }

    private static byte[] modelZip(TrainableNetwork network) {
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try {
            ModelSerializer.writeModel(network.dl4jModel(), zip, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return zip.toByteArray();
    }

    /** What the label column holds, for its Param's documentation. */
    protected abstract String labelDoc();

    /** The output layer this task trains by default, in HOCON; the {@code config} Param may change it. */
    protected abstract String outputDefaults();

    /** {@link SparkDdpModel#CLASSIFICATION} or {@link SparkDdpModel#REGRESSION}: what transform adds. */
    protected abstract String task();

    /** How the label column is read: class indices or a real target. */
    protected abstract TargetKind targetKind();

    @SuppressWarnings("unchecked")
    private E self() {
        return (E) this;
    }

    @Override
    public E copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}

package org.sparkddp.ml;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkddp.common.data.HadoopFiles;
import org.sparkddp.common.error.InvalidDataException;
import org.sparkddp.driver.output.ModelArchive;
import org.sparkddp.driver.output.OutputDirectory;
import scala.Option;

/**
 * A trained spark-ddp network as a Spark ML {@link Model}: {@code transform} adds, computed on the executors, the
 * raw output, the class probabilities and the predicted class (a classifier's) or the predicted value (a
 * regressor's); {@code save}/{@code load} work on any Hadoop
 * FileSystem, alone or inside a PipelineModel.
 *
 * <p>{@code transform} reads only its input's schema and runs no action on it, so a Structured Streaming DataFrame
 * is scored as a batch one is: each micro-batch's partitions on the executors, with the same pooled networks.
 *
 * <p>The network travels as the model.zip DL4J writes (configuration and parameters, about 4 bytes per
 * parameter), broadcast once per {@code transform} and read back with {@link ModelArchive}'s validation, never
 * with Java deserialization.
 */
public final class SparkDdpModel extends Model<SparkDdpModel> implements MLWritable {
    private static final long serialVersionUID = 1L;
    /** Rows per forward pass on an executor: large enough to amortize the call, small enough for any cache. */
    private static final int BATCH = 512;
    /** What transform adds: the class probabilities and the predicted class. */
    public static final String CLASSIFICATION = "classification";
    /** What transform adds: the predicted value. */
    public static final String REGRESSION = "regression";
    static final String NETWORK = "model.zip";

    private final String uid;
    private final byte[] modelZip;
    private final int numClasses;
    private final Param<String> featuresCol;
    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> rawPredictionCol;
    private final IntArrayParam inputShape;
    private final Param<String> task;

    SparkDdpModel(String uid, byte[] modelZip, int numClasses, String task) {
        this.uid = uid;
        this.modelZip = modelZip.clone();
        this.numClasses = numClasses;
        featuresCol = ModelColumns.featuresCol(this);
        predictionCol = ModelColumns.predictionCol(this);
        probabilityCol = ModelColumns.probabilityCol(this);
        rawPredictionCol = ModelColumns.rawPredictionCol(this);
        inputShape = ModelColumns.inputShape(this);
        ModelColumns.setColumnDefaults(this, featuresCol, predictionCol, probabilityCol, rawPredictionCol, inputShape);
        this.task = new Param<>(this, "task", "classification or regression: what transform adds",
                org.apache.spark.ml.param.ParamValidators.inArray(new String[] {CLASSIFICATION, REGRESSION}));
        set(this.task, task);
    }

    @Override
    public String uid() {
        return uid;
    }

    /**
     * The model in a model.zip that {@code spark-ddp train} wrote: a classifier if its output layer is a softmax,
     * else a regressor of its single output. Validated as {@code spark-ddp evaluate} validates it.
     */
    public static SparkDdpModel fromModelZip(String location, byte[] zip) {
        ModelArchive.Restored network = ModelArchive.read(location, zip);
        if (!network.softmax() && network.numOutputs() != 1) {
            throw new org.sparkddp.common.error.InvalidDataException(location, "has " + network.numOutputs()
                    + " real-valued outputs; only classifiers (softmax) and single-output models can predict here");
        }
        return new SparkDdpModel(org.apache.spark.ml.util.Identifiable.randomUID("sparkDdpModel"), zip,
                network.numOutputs(), network.softmax() ? CLASSIFICATION : REGRESSION);
    }

    public Param<String> featuresCol() { return featuresCol; }
    public Param<String> predictionCol() { return predictionCol; }
    public Param<String> probabilityCol() { return probabilityCol; }
    public Param<String> rawPredictionCol() { return rawPredictionCol; }
    public IntArrayParam inputShape() { return inputShape; }

    /** Spark's text, with int-array values (inputShape) written as their elements, not as {@code [I@...}. */
    @Override
    public String explainParam(org.apache.spark.ml.param.Param<?> param) {
        return ModelColumns.explain(this, param, super.explainParam(param));
    }
    public Param<String> task() { return task; }

    public SparkDdpModel setFeaturesCol(String value) { set(featuresCol, value); return this; }
    public SparkDdpModel setPredictionCol(String value) { set(predictionCol, value); return this; }
    public SparkDdpModel setProbabilityCol(String value) { set(probabilityCol, value); return this; }
    public SparkDdpModel setRawPredictionCol(String value) { set(rawPredictionCol, value); return this; }

    /** The output layer's width: the classes, or 1 for a regressor's single target. */
    public int numClasses() {
        return numClasses;
    }

    /** The trained DL4J network ({@code MultiLayerNetwork} or {@code ComputationGraph}), a fresh copy. */
    public org.deeplearning4j.nn.api.Model network() {
        return ModelArchive.read(uid + "/" + NETWORK, modelZip).network();
    }

    /** {@link #exportOnnx(String, boolean)} without replacing an existing file. */
    public void exportOnnx(String path) throws IOException {
        exportOnnx(path, false);
    }

    /**
     * Writes the network as an ONNX model, as {@code spark-ddp export} does: input {@code input}, float32 rows of
     * the features; output {@code output}, the class probabilities or the predicted values. {@code path} is a local
     * path or any Hadoop FileSystem URI (reached with the active Spark session's Hadoop configuration, if there is
     * one); the file is written whole under a temporary name and renamed. Runs on the driver.
     *
     * @param overwrite whether a file already at {@code path} may be replaced
     * @throws org.sparkddp.driver.export.NotExportableException naming the first layer that has no exact ONNX form
     *                                                           (nothing is written then)
     */
    public void exportOnnx(String path, boolean overwrite) throws IOException {
        byte[] onnx = org.sparkddp.driver.export.OnnxExporter.export(network(), "Spark ML model " + uid)
                .toByteArray();
        org.apache.hadoop.conf.Configuration hadoop = org.apache.spark.sql.SparkSession.getActiveSession().isDefined()
                ? org.apache.spark.sql.SparkSession.getActiveSession().get().sparkContext().hadoopConfiguration()
                : new org.apache.hadoop.conf.Configuration();
        org.sparkddp.driver.export.OnnxFile.write(onnx, path, overwrite, hadoop, "path");
    }

    @Override
    public StructType transformSchema(StructType schema) {
        FeatureColumn.check(schema, "featuresCol", getOrDefault(featuresCol));
        return ModelColumns.outputSchema(schema, getOrDefault(task), getOrDefault(predictionCol),
                getOrDefault(probabilityCol), getOrDefault(rawPredictionCol));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        String column = getOrDefault(featuresCol);
        int field = dataset.schema().fieldIndex(column);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        Broadcast<byte[]> network = sc.broadcast(modelZip);
        String name = uid;
        String key = ExecutorNetworks.key(uid, modelZip);
        boolean classes = getOrDefault(task).equals(CLASSIFICATION);
        // Executor: the network comes from the JVM's pool, built from the broadcast bytes only when none is idle.
        return dataset.toDF().mapPartitions((MapPartitionsFunction<Row, Row>) rows -> predict(rows,
                        new Scorer(key, () -> ModelArchive.read(name + "/" + NETWORK, network.value())), field,
                        column, classes), Encoders.row(out));
    }

    /** A model's network, borrowed from the executor's pool for one batch at a time. Runs on an executor. */
    private record Scorer(String key, java.util.function.Supplier<ModelArchive.Restored> build) {
        /** @param column the features column, for the message about a width the network cannot take */
        INDArray output(INDArray features, String column) {
            ModelArchive.Restored network = ExecutorNetworks.borrow(key, build);
            try {
                return network.output(features);
            } catch (RuntimeException e) { // DL4J's exception for an input of the wrong width, among others
                // NOTE: the width is read off the network only now, so that rows of the right width pay nothing.
                java.util.OptionalInt takes = org.sparkddp.driver.predict.ModelInputWidth.of(network);
                if (takes.isPresent() && takes.getAsInt() != features.columns()) {
                    throw new InvalidDataException("column '" + column + "'", "has rows of " + features.columns()
                            + " features, but the model takes " + takes.getAsInt());
                }
                throw e;
            } finally {
                ExecutorNetworks.release(key, network);
            }
        }
    }

    /**
     * Scores one partition in batches, each input row followed by its outputs. Lazily, one batch at a time, so that
     * a task holds {@value #BATCH} rows, not its partition (an IDX split of 32 MB is 250 MB of rows). Runs on an
     * executor.
     */
    private static Iterator<Row> predict(Iterator<Row> rows, Scorer network, int field, String column,
                                         boolean classes) {
        return new Iterator<>() {
            private final List<Row> batch = new ArrayList<>(BATCH);
            private final List<Row> out = new ArrayList<>(BATCH);
            private int next;

            @Override
            public boolean hasNext() {
                if (next == out.size() && rows.hasNext()) {
                    out.clear();
                    next = 0;
                    while (batch.size() < BATCH && rows.hasNext()) {
                        batch.add(rows.next());
                    }
                    score(batch, network, field, column, classes, out);
                    batch.clear();
                }
                return next < out.size();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return out.get(next++);
            }
        };
    }

    private static void score(List<Row> batch, Scorer network, int field, String column,
                              boolean classes, List<Row> out) {
        int width = FeatureColumn.width(batch.get(0), field, column);
        float[] features = new float[Math.multiplyExact(batch.size(), width)];
        for (int r = 0; r < batch.size(); r++) {
            FeatureColumn.copy(batch.get(r), field, column, features, r * width, width);
        }
        INDArray output = network.output(Nd4j.create(features, new long[] {batch.size(), width}, 'c'), column);
        for (int r = 0; r < batch.size(); r++) {
            double[] probabilities = output.getRow(r).toDoubleVector();
            Row row = batch.get(r);
            if (!classes) { // a regressor: its one output is the prediction
                Object[] values = new Object[row.length() + 1];
                for (int i = 0; i < row.length(); i++) {
                    values[i] = row.get(i);
                }
                values[row.length()] = probabilities[0];
                out.add(RowFactory.create(values));
                continue;
            }
            int best = 0;
            for (int c = 1; c < probabilities.length; c++) {
                if (probabilities[c] > probabilities[best]) {
                    best = c;
                }
            }
            Object[] values = new Object[row.length() + 3];
            for (int i = 0; i < row.length(); i++) {
                values[i] = row.get(i);
            }
            values[row.length()] = Vectors.dense(probabilities);
            values[row.length() + 1] = Vectors.dense(probabilities.clone());
            values[row.length() + 2] = (double) best;
            out.add(RowFactory.create(values));
        }
    }

    @Override
    public SparkDdpModel copy(ParamMap extra) {
        SparkDdpModel copy = new SparkDdpModel(uid, modelZip, numClasses, getOrDefault(task));
        copyValues(copy, extra);
        return (SparkDdpModel) copy.setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    public static MLReader<SparkDdpModel> read() {
        return new Reader();
    }

    public static SparkDdpModel load(String path) {
        return read().load(path);
    }

    /**
     * Saves MLlib's standard {@code metadata} (class, uid, Spark version, the Params: what {@code PipelineModel.load}
     * reads to find this class) and {@code model.zip} beside it, written whole under a temporary name and renamed.
     * Runs on the driver.
     */
    private static final class Writer extends MLWriter {
        private final SparkDdpModel model;

        Writer(SparkDdpModel model) {
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter.saveMetadata(model, path, sc(), Option.empty(), Option.empty());
            OutputDirectory dir = OutputDirectory.open(path, sc().hadoopConfiguration(), "path");
            try {
                dir.writeAtomically(NETWORK, out -> out.write(model.modelZip));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /** Reads what {@link Writer} saved, validating the network as {@code spark-ddp evaluate} does. */
    private static final class Reader extends MLReader<SparkDdpModel> {
        @Override
        public SparkDdpModel load(String path) {
            DefaultParamsReader.Metadata meta = DefaultParamsReader.loadMetadata(path, sc(),
                    SparkDdpModel.class.getName());
            String zipFile = path + "/" + NETWORK;
            byte[] zip = HadoopFiles.read(zipFile, sc().hadoopConfiguration(), java.io.InputStream::readAllBytes);
            // Validated here, before anything is built from it on the executors.
            SparkDdpModel model = new SparkDdpModel(meta.uid(), zip, ModelArchive.read(zipFile, zip).numOutputs(),
                    CLASSIFICATION); // the saved task Param, set below, replaces it
            meta.getAndSetParams(model, Option.empty());
            return model;
        }
    }
}

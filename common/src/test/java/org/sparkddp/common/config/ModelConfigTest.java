package org.sparkddp.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.sparkddp.common.config.ConfigText.failure;
import static org.sparkddp.common.config.ConfigText.load;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code model} and {@code optimizer} sections: every layer type, optimizer and schedule, and their errors. */
class ModelConfigTest {
    @Test
    void everyLayerTypeReadsWithItsDefaults() {
        ModelConfig m = load("""
                model {
                  activation = elu
                  layers = [
                    { type = conv, filters = 8, padding = same }
                    { type = batch-norm, decay = 0.95 }
                    { type = max-pool }
                    { type = avg-pool, kernel = 3, stride = 1 }
                    { type = residual, filters = 8, shortcut = identity, activation = tanh }
                    { type = flatten }
                    { type = dropout, rate = 0.25 }
                    { type = dense, units = 16, activation = leaky-relu }
                  ]
                }
                """).model();
        assertEquals(List.of(
                new LayerSpec.Conv("model.layers[0]", 8, 3, 1, LayerSpec.Conv.SAME, ActivationName.ELU),
                new LayerSpec.BatchNorm("model.layers[1]", 0.95, 1e-5),
                new LayerSpec.Pool("model.layers[2]", true, 2, 2),
                new LayerSpec.Pool("model.layers[3]", false, 3, 1),
                new LayerSpec.Residual("model.layers[4]", 8, 3, 1, LayerSpec.Residual.Shortcut.IDENTITY,
                        ActivationName.TANH),
                new LayerSpec.Flatten("model.layers[5]"),
                new LayerSpec.Dropout("model.layers[6]", 0.25),
                new LayerSpec.Dense("model.layers[7]", 16, ActivationName.LEAKY_RELU)), m.layers().subList(0, 8));
        assertEquals(true, m.isGraph());
    }

    @Test
    void layerDefaultsCanBeChangedForAllLayersOfAType() {
        ModelConfig m = load("model.layer-defaults.conv.kernel = 5\nmodel.layers = [{ type = conv, filters = 4 }]")
                .model();
        assertEquals(5, ((LayerSpec.Conv) m.layers().get(0)).kernel());
    }

    @Test
    void layerErrorsNameTheLayerKeyAndLine() {
        assertEquals("job.conf:3: model.layers[1].kernal: unknown key: a conv layer takes activation, filters, kernel,"
                + " padding, stride", failure("model.layers = [\n  { type = dense, units = 4 }\n"
                + "  { type = conv, filters = 4, kernal = 3 }\n]"));
        assertEquals("job.conf:1: model.layers[0].type: must be one of avg-pool, batch-norm, conv, dense, dropout,"
                + " flatten, max-pool, residual but got 'lstm'", failure("model.layers = [{ type = lstm }]"));
        assertEquals("job.conf:1: model.layers[0].type: is required: one of avg-pool, batch-norm, conv, dense,"
                + " dropout, flatten, max-pool, residual", failure("model.layers = [{ units = 4 }]"));
        assertEquals("job.conf:1: model.layers[0].units: is required: set it in the config file or with --set"
                + " model.layers[0].units=...", failure("model.layers = [{ type = dense }]"));
        assertEquals("--set: model.layers[0].rate: is the fraction of units dropped, so it must be in [0, 1) but"
                + " got 1.5", failure("", "model.layers=[{type=dropout,rate=1.5}]"));
        assertEquals("job.conf:1: model.layers[0].padding: expected an integer but got 'valid'",
                failure("model.layers = [{ type = conv, filters = 2, padding = valid }]"));
        assertEquals("job.conf:1: model.layers[0]: expected a layer such as { type = dense, units = 256 } but got"
                + " number 256", failure("model.layers = [256]"));
    }

    @Test
    void outputActivationMustSuitTheLoss() {
        assertEquals("job.conf:1: model.output.activation: must be softmax with model.output.loss = cross-entropy but"
                + " got sigmoid", failure("model.output { loss = cross-entropy, activation = sigmoid }"));
        assertEquals("--set: model.output.activation: must be sigmoid with model.output.loss = binary-cross-entropy"
                + " but got softmax", failure("", "model.output.loss=binary-cross-entropy"));
        assertEquals(LossName.MSE, load("model.output { loss = mse, activation = tanh }").model().output().loss());
    }

    @Test
    void preluIsRefusedInsideResidualNetworks() {
        assertEquals("model.layers[1].activation: prelu is not available in a network with residual blocks"
                + " (DL4J 1.0.0-M2 cannot train PReLU inside a ComputationGraph)",
                failure("model.layers = [{type = conv, filters = 2}, {type = residual, filters = 2, activation = prelu}]"));
    }

    @Test
    void eachOptimizerReadsItsOwnSection() {
        assertEquals(new UpdaterSpec.Adam(0.8, 0.99, 1e-7), load("optimizer.adam { beta1 = 0.8, beta2 = 0.99,"
                + " epsilon = 1e-7 }").optimizer().updater());
        assertEquals(new UpdaterSpec.Momentum(0.5), load("optimizer { name = momentum, momentum.momentum = 0.5 }")
                .optimizer().updater());
        assertEquals(new UpdaterSpec.Nesterov(0.9), load("optimizer.name = nesterov").optimizer().updater());
        assertEquals(new UpdaterSpec.RmsProp(0.95, 1e-8), load("optimizer.name = rmsprop").optimizer().updater());
        assertEquals(new UpdaterSpec.AdaGrad(1e-6), load("optimizer.name = adagrad").optimizer().updater());
        assertEquals(new UpdaterSpec.Sgd(), load("optimizer.name = sgd").optimizer().updater());
    }

    @Test
    void anotherOptimizersSettingIsAnErrorNotIgnored() {
        assertEquals("job.conf:2: optimizer.adam.beta1: applies only when optimizer.name = adam, but optimizer.name is sgd",
                failure("optimizer.name = sgd\noptimizer.adam.beta1 = 0.5"));
        assertEquals("--set: model.weight-init-std: applies only when model.weight-init = normal, but it is xavier",
                failure("", "model.weight-init-std=0.1"));
    }

    @Test
    void schedulesAndScalingAreValidated() {
        OptimizerConfig o = load("optimizer { reference-batch-size = 256, clip-norm = 5,"
                + " schedule { type = step, decay-rate = 0.5, step-every = 10, warmup-iterations = 100 } }").optimizer();
        assertEquals(new ScheduleSpec(ScheduleType.STEP, 0.5, 10, 100), o.schedule());
        assertEquals(5.0, o.clipNorm());
        assertEquals(0.001 * 128 / 256, o.scaledLearningRate(128), 1e-15);
        assertEquals("job.conf:1: optimizer.schedule.decay-rate: must be in (0, 1] but got 2.0",
                failure("optimizer.schedule.decay-rate = 2"));
        assertEquals("--set: optimizer.clip-norm: must be a finite number > 0 but got -1.0",
                failure("", "optimizer.clip-norm=-1"));
    }

    @Test
    void aCosineScheduleNeedsItsLengthAndOnlyItHasOne() {
        assertEquals(new ScheduleSpec(ScheduleType.COSINE, 0.5, 469, 0, 9380), load(
                "optimizer.schedule { type = cosine, step-every = 469, decay-iterations = 9380 }").optimizer().schedule());
        assertEquals("job.conf:1: optimizer.schedule.type: cosine needs optimizer.schedule.decay-iterations"
                + " (the iterations the rate falls over)", failure("optimizer.schedule.type = cosine"));
        assertEquals("--set: optimizer.schedule.decay-iterations: applies only when optimizer.schedule.type = cosine,"
                + " but it is step", failure("", "optimizer.schedule.type=step", "optimizer.schedule.decay-iterations=100"));
        assertEquals("--set: optimizer.schedule.decay-iterations: takes more than 10000 steps of step-every = 1"
                + " iterations: raise step-every", failure("", "optimizer.schedule.type=cosine",
                "optimizer.schedule.step-every=1", "optimizer.schedule.decay-iterations=10001"));
        assertEquals("--set: optimizer.schedule.step-every: must be less than optimizer.schedule.decay-iterations (10)"
                + " for a cosine, but got 20", failure("", "optimizer.schedule.type=cosine",
                "optimizer.schedule.step-every=20", "optimizer.schedule.decay-iterations=10"));
    }
}

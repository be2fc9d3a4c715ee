package org.sparkddp.common.config;

import org.sparkddp.common.error.InvalidConfigException;

/**
 * Reads the {@code optimizer} section. Each optimizer but plain SGD has its own sub-section of hyper-parameters;
 * setting a key in another optimizer's sub-section is an error rather than silently ignored. Runs on the driver.
 */
final class OptimizerReader {
    private OptimizerReader() {
    }

    static OptimizerConfig read(TypedReader r) {
        OptimizerName name = r.choice("optimizer.name", OptimizerName.class);
        for (OptimizerName other : OptimizerName.values()) {
            if (other != name) {
                rejectSet(r, other, name);
            }
        }
        String s = "optimizer." + name.configName() + ".";
        UpdaterSpec updater = switch (name) {
            case SGD -> new UpdaterSpec.Sgd();
            case MOMENTUM -> new UpdaterSpec.Momentum(r.number(s + "momentum"));
            case NESTEROV -> new UpdaterSpec.Nesterov(r.number(s + "momentum"));
            case ADAGRAD -> new UpdaterSpec.AdaGrad(r.number(s + "epsilon"));
            case RMSPROP -> new UpdaterSpec.RmsProp(r.number(s + "decay"), r.number(s + "epsilon"));
            case ADAM -> new UpdaterSpec.Adam(r.number(s + "beta1"), r.number(s + "beta2"), r.number(s + "epsilon"));
        };
        ScheduleSpec schedule = new ScheduleSpec(
                r.choice("optimizer.schedule.type", ScheduleType.class),
                r.number("optimizer.schedule.decay-rate"),
                r.integer("optimizer.schedule.step-every"),
                r.integer("optimizer.schedule.warmup-iterations"),
                r.optionalInt("optimizer.schedule.decay-iterations").stream().boxed().findFirst().orElse(null));
        return new OptimizerConfig(updater, r.number("optimizer.learning-rate"), schedule,
                r.optionalNumber("optimizer.clip-norm").stream().boxed().findFirst().orElse(null),
                r.optionalInt("optimizer.reference-batch-size").stream().boxed().findFirst().orElse(null));
    }

    private static void rejectSet(TypedReader r, OptimizerName section, OptimizerName chosen) {
        String prefix = "optimizer." + section.configName();
        java.util.Optional<String> set = r.firstSetKey(prefix);
        if (section == OptimizerName.SGD || set.isEmpty()) {
            r.skipSection(prefix);
            return;
        }
        String key = set.get();
        throw new InvalidConfigException(key, r.whereIs(key), "applies only when optimizer.name = "
                + section.configName() + ", but optimizer.name is " + chosen.configName());
    }
}

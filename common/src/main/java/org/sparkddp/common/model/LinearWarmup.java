package org.sparkddp.common.model;

import java.util.Objects;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * A learning-rate warmup (Goyal et al. 2017): the rate ramps up linearly over the first {@code iterations}
 * iterations, {@code base(i) * (i + 1) / iterations}, then follows {@code base}.
 *
 * <p>NOTE: DL4J has a {@code RampSchedule} that computes the same, but Jackson cannot read it back from a model's
 * {@code configuration.json} (it has no creator), so a model trained with it could not be loaded. This one is a plain
 * bean with a no-argument constructor and setters.
 */
public final class LinearWarmup implements ISchedule {
    private static final long serialVersionUID = 1L;

    private ISchedule base;
    private int iterations;

    public LinearWarmup() {
    }

    public LinearWarmup(ISchedule base, int iterations) {
        if (iterations <= 0) {
            throw new IllegalArgumentException("warmup iterations must be > 0 but got " + iterations);
        }
        this.base = base;
        this.iterations = iterations;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        return base.valueAt(iteration, epoch) * Math.min(1.0, (iteration + 1.0) / iterations);
    }

    @Override
    public ISchedule clone() {
        return new LinearWarmup(base.clone(), iterations);
    }

    public ISchedule getBase() {
        return base;
    }

    public void setBase(ISchedule base) {
        this.base = base;
    }

    public int getIterations() {
        return iterations;
    }

    public void setIterations(int iterations) {
        this.iterations = iterations;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LinearWarmup other && other.iterations == iterations && Objects.equals(other.base, base);
    }

    @Override
    public int hashCode() {
        return Objects.hash(base, iterations);
    }
}

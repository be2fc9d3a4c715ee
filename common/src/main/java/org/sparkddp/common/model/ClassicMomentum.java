package org.sparkddp.common.model;

import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * Classical (Polyak 1964, "heavy ball") momentum as a DL4J optimizer: {@code v = momentum * v + lr * g; w -= v}.
 * DL4J 1.0.0-M2 ships only the Nesterov variant ({@code Nesterovs}). Its state is one velocity per parameter.
 *
 * <p>A plain bean with a no-argument constructor and setters, because DL4J writes the optimizer into a model's
 * {@code configuration.json} (with Jackson, by class name) and reads it back from there.
 */
public final class ClassicMomentum implements IUpdater {
    private static final long serialVersionUID = 1L;

    private double learningRate = 0.1;
    private ISchedule learningRateSchedule;
    private double momentum = 0.9;

    public ClassicMomentum() {
    }

    public ClassicMomentum(double learningRate, double momentum) {
        this.learningRate = learningRate;
        this.momentum = momentum;
    }

    @Override
    public long stateSize(long numParams) {
        return numParams;
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        Velocity updater = new Velocity(this);
        updater.setStateViewArray(viewArray, viewArray.shape(), viewArray.ordering(), initializeViewArray);
        return updater;
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> state, boolean initializeStateArrays) {
        Velocity updater = new Velocity(this);
        updater.setState(state, initializeStateArrays);
        return updater;
    }

    @Override
    public ClassicMomentum clone() {
        ClassicMomentum copy = new ClassicMomentum(learningRate, momentum);
        copy.learningRateSchedule = learningRateSchedule == null ? null : learningRateSchedule.clone();
        return copy;
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return learningRateSchedule != null ? learningRateSchedule.valueAt(iteration, epoch) : learningRate;
    }

    @Override
    public boolean hasLearningRate() {
        return true;
    }

    @Override
    public void setLrAndSchedule(double lr, ISchedule schedule) {
        this.learningRate = lr;
        this.learningRateSchedule = schedule;
    }

    public double getLearningRate() {
        return learningRate;
    }

    public void setLearningRate(double learningRate) {
        this.learningRate = learningRate;
    }

    public ISchedule getLearningRateSchedule() {
        return learningRateSchedule;
    }

    public void setLearningRateSchedule(ISchedule learningRateSchedule) {
        this.learningRateSchedule = learningRateSchedule;
    }

    public double getMomentum() {
        return momentum;
    }

    public void setMomentum(double momentum) {
        this.momentum = momentum;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClassicMomentum other && other.learningRate == learningRate && other.momentum == momentum
                && Objects.equals(other.learningRateSchedule, learningRateSchedule);
    }

    @Override
    public int hashCode() {
        return Objects.hash(learningRate, momentum, learningRateSchedule);
    }

    /** The per-block updater DL4J instantiates: holds a view of the velocity in the network's updater state. */
    static final class Velocity implements GradientUpdater<ClassicMomentum> {
        private static final String STATE = "V";
        private final ClassicMomentum config;
        private INDArray velocity;

        Velocity(ClassicMomentum config) {
            this.config = config;
        }

        @Override
        public ClassicMomentum getConfig() {
            return config;
        }

        @Override
        public void setState(Map<String, INDArray> state, boolean initialize) {
            if (state == null || state.size() != 1 || !state.containsKey(STATE)) {
                throw new IllegalStateException("classical momentum expects one state array, " + STATE + ", but got "
                        + (state == null ? null : state.keySet()));
            }
            this.velocity = state.get(STATE);
            if (initialize) {
                velocity.assign(0);
            }
        }

        @Override
        public Map<String, INDArray> getState() {
            return Map.of(STATE, velocity);
        }

        @Override
        public void setStateViewArray(INDArray viewArray, long[] gradientShape, char order, boolean initialize) {
            if (!viewArray.isRowVectorOrScalar()) {
                throw new IllegalArgumentException("invalid input: expect row vector input");
            }
            if (initialize) {
                viewArray.assign(0);
            }
            this.velocity = viewArray.reshape(order, gradientShape);
        }

        /** Turns {@code gradient} into the update in place: {@code v = momentum * v + lr * g}, update = v. */
        @Override
        public void applyUpdater(INDArray gradient, int iteration, int epoch) {
            if (velocity == null) {
                throw new IllegalStateException("updater has not been initialized with its state");
            }
            double lr = config.getLearningRate(iteration, epoch);
            velocity.muli(config.getMomentum()).addi(gradient.muli(lr));
            gradient.assign(velocity);
        }
    }
}

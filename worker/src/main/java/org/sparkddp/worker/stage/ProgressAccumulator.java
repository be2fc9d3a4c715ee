package org.sparkddp.worker.stage;

import java.io.Serializable;
import org.apache.spark.util.AccumulatorV2;

/**
 * Where training stands inside a running stage, for the driver's progress line. Rank 0 adds a tick after every
 * iteration; executors' heartbeats carry the latest value to the driver while the stage is still running, so
 * the data path never waits on telemetry.
 */
public final class ProgressAccumulator extends AccumulatorV2<ProgressAccumulator.Tick, ProgressAccumulator.Tick> {
    private static final long serialVersionUID = 1L;

    /**
     * @param epoch          0-based epoch
     * @param iterationInEpoch iterations of the epoch done
     * @param iteration      global iterations done
     * @param loss           training loss of the latest iteration
     */
    public record Tick(int epoch, int iterationInEpoch, long iteration, float loss) implements Serializable {
        static final Tick ZERO = new Tick(0, 0, 0, Float.NaN);
    }

    /** Written by the task thread, read by the heartbeat thread: an immutable value behind a volatile field. */
    private volatile Tick latest = Tick.ZERO;

    @Override
    public boolean isZero() {
        return latest == Tick.ZERO || latest.iteration() == 0;
    }

    @Override
    public ProgressAccumulator copy() {
        ProgressAccumulator copy = new ProgressAccumulator();
        copy.latest = latest;
        return copy;
    }

    @Override
    public void reset() {
        latest = Tick.ZERO;
    }

    @Override
    public void add(Tick tick) {
        if (tick.iteration() >= latest.iteration()) {
            latest = tick;
        }
    }

    @Override
    public void merge(AccumulatorV2<Tick, Tick> other) {
        add(other.value());
    }

    @Override
    public Tick value() {
        return latest;
    }
}

package org.sparkddp.common.wire;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.common.nd.NativeArrays;

/**
 * The whole training state of a replica as flat float arrays, in one JVM's heap: what the Spark ML API's fitted
 * model is made from, and what tests compare. Training never holds one: its states live on the executors as
 * chunks ({@link StateVersion}, {@link StateLayout}).
 *
 * @param params       flat parameters
 * @param updaterState flat optimizer state (empty for plain SGD)
 * @param iteration    optimizer steps applied so far
 * @param epoch        epochs completed so far
 */
public record ModelState(float[] params, float[] updaterState, long iteration, int epoch) {

    public static ModelState capture(TrainableNetwork network, long iteration, int epoch) {
        return new ModelState(toFloats(network.params()), toFloats(network.updaterState()), iteration, epoch);
    }

    /** Overwrites the network's parameters and updater state with this state's. */
    public void applyTo(TrainableNetwork network) {
        copyInto(params, network.params(), "parameters");
        copyInto(updaterState, network.updaterState(), "updater state");
        network.setCounters(iteration, epoch);
    }

    /** Overwrites only the parameters: enough for inference, and skips copying the optimizer state. */
    public void applyParamsTo(TrainableNetwork network) {
        copyInto(params, network.params(), "parameters");
    }

    private static float[] toFloats(INDArray array) {
        return array.isEmpty() ? new float[0] : array.reshape(array.length()).toFloatVector();
    }

    private static void copyInto(float[] source, INDArray target, String what) {
        long expected = target.isEmpty() ? 0 : target.length();
        if (source.length != expected) {
            throw new IllegalArgumentException(what + ": state has " + source.length + " values, network has " + expected);
        }
        if (source.length > 0) {
            // The staging copy is as large as the model: free it now rather than when a GC happens to run.
            INDArray staging = Nd4j.createFromArray(source);
            target.assign(staging.reshape(target.shape()));
            NativeArrays.release(staging);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelState other && iteration == other.iteration && epoch == other.epoch
                && Arrays.equals(params, other.params) && Arrays.equals(updaterState, other.updaterState);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(params) + Arrays.hashCode(updaterState);
    }

    @Override
    public String toString() {
        return "ModelState[" + params.length + " params, " + updaterState.length + " updater values, iteration "
                + iteration + ", epoch " + epoch + "]";
    }
}

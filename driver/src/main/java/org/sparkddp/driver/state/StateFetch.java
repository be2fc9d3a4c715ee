package org.sparkddp.driver.state;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.wire.ModelState;
import org.sparkddp.common.wire.StateLayout;
import org.sparkddp.common.wire.StateVersion;
import org.sparkddp.worker.state.StateChunks;

/**
 * Brings a state that lives on the executors to the driver as a {@link ModelState}: a Spark job whose tasks each
 * read some of the state's chunks ({@link StateChunks}, CRC-checked) and return their bytes. Runs on the driver.
 *
 * <p>NOTE: this is the one place where model-sized data reaches the driver, and it is meant only for the Spark ML API
 * ({@code SparkDdpEstimator}, whose fitted model is a driver-side network) and for tests that compare states.
 * Training never calls it: executors write checkpoints and {@code model.zip} from the chunks. The state must fit in
 * one Java array per part (under 2^31 floats).
 */
public final class StateFetch {
    private StateFetch() {
    }

    /**
     * The state's floats on the driver.
     *
     * @param network builds a {@link StateVersion.Home#FRESH} state, which has no chunks
     */
    public static ModelState fetch(JavaSparkContext sc, NetworkSpec network, StateVersion state) {
        if (state.home() == StateVersion.Home.FRESH) {
            return ModelState.capture(NetworkFactory.build(network), state.iteration(), state.epoch());
        }
        float[] params = new float[size(state.paramCount(), "parameters", state)];
        float[] updater = new float[size(state.updaterCount(), "optimizer values", state)];
        int chunks = state.chunks();
        List<Integer> indexes = IntStream.range(0, chunks).boxed().toList();
        int slices = Math.max(1, Math.min(chunks, sc.defaultParallelism()));
        List<byte[]> bytes = org.sparkddp.driver.spark.JobLabels.describe(sc.sc(), "fetch the state of iteration "
                + state.iteration() + " to the driver", () -> sc.parallelize(indexes, slices).map(c -> bytes(state, c))
                .collect());
        StateLayout layout = state.layout();
        StateLayout.Floats into = StateLayout.Floats.of(params, updater);
        for (int c = 0; c < chunks; c++) {
            layout.fill(c, ByteBuffer.wrap(bytes.get(c)), into, true);
        }
        return new ModelState(params, updater, state.iteration(), state.epoch());
    }

    /** Runs on an executor: chunk {@code c} as a byte array, to return to the driver. */
    private static byte[] bytes(StateVersion state, int c) {
        ByteBuffer chunk = StateChunks.read(state, c);
        byte[] out = new byte[chunk.remaining()];
        chunk.duplicate().get(out);
        return out;
    }

    private static int size(long count, String what, StateVersion state) {
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(state + " has " + count + " " + what + ", too many to fetch into "
                    + "the driver's heap; read it on the executors instead");
        }
        return (int) count;
    }
}

package org.sparkddp.driver.output;

import java.io.IOException;
import org.deeplearning4j.util.ModelSerializer;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.common.wire.ModelState;

/**
 * Writes {@code model.zip} in DL4J's ModelSerializer format, with the updater state, so that plain DL4J loads it
 * ({@code MultiLayerNetwork.load}) and can even continue training it. Runs on the driver.
 */
public final class ModelFile {
    public static final String NAME = "model.zip";

    private ModelFile() {
    }

    public static void write(OutputDirectory output, NetworkSpec spec, ModelState state) throws IOException {
        TrainableNetwork network = NetworkFactory.build(spec);
        state.applyTo(network);
        output.writeAtomically(NAME, out -> ModelSerializer.writeModel(network.dl4jModel(), out, true));
    }
}

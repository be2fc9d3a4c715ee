package org.sparkddp.worker.engine;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

/** Closing a replica frees the engine's native buffers at once, and a closed engine refuses to run a pass. */
class EngineCloseTest {
    @Test
    void aClosedReplicaFreesItsEngineAndRefusesAPass() {
        EngineCheck check = EngineCheck.of(List.of(12), 5, "model.layers=[{type=dense,units=16}]",
                "optimizer.name=adam");
        DataSet batch = check.batch(7, 1, true);
        check.gradientsAgree(batch, 1); // the buffers are allocated
        check.outputsAgree(batch);

        check.engine.close();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> check.engine.computeGradient(batch));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> check.engine.output(batch.getFeatures()));
        check.engine.close(); // a second close does nothing (a double free would crash the JVM here)
    }
}

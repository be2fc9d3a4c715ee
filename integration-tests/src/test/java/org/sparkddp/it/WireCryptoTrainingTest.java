package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.sparkddp.driver.TrainingJob;

/**
 * training.wire-crypto on a real local run: two workers whose every ring and rendezvous frame is AES-GCM train to
 * the same bits as two whose frames carry a CRC-32C (encryption changes what crosses the socket, never what is
 * summed). The ring is asked for by name: in local mode {@code auto} would sum through shared memory, where no frame
 * crosses a socket.
 */
class WireCryptoTrainingTest extends LocalSparkTest {
    @Test
    void encryptedFramesTrainTheSameModelBitwise() throws Exception {
        float[][] plain = train("plain", "training.wire-crypto=false");
        float[][] encrypted = train("encrypted", "training.wire-crypto=true");
        assertArrayEquals(plain[0], encrypted[0], "parameters");
        assertArrayEquals(plain[1], encrypted[1], "optimizer state");
    }

    private float[][] train(String name, String crypto) throws Exception {
        Path dir = out.resolve(name);
        TrainingJob job = new TrainingJob(TestData.config(dir, "training.epochs=1", "training.max-iterations=12",
                "training.workers=2", "training.mode=sync", "training.iterations-per-stage=4", "training.collective=ring", crypto),
                new Configuration(), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false);
        job.run(sc, job.prepare());
        return ChildRun.model(dir.resolve("model.zip"));
    }
}

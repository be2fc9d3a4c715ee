package org.sparkddp.common.nd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class FencedExecutionerTest {
    @TempDir
    Path dir;

    @Test
    void installWrapsTheExecutionerOnceAndOpsStillCompute() {
        FencedExecutioner.install();
        var fenced = Nd4j.getExecutioner();
        assertTrue(FencedExecutioner.isFenced(fenced));
        FencedExecutioner.install();
        assertSame(fenced, Nd4j.getExecutioner());

        INDArray x = Nd4j.createFromArray(new float[][] {{1, 2, 3}, {4, 5, 6}});
        x.addiRowVector(Nd4j.createFromArray(new float[][] {{10, 20, 30}}));
        assertEquals(Nd4j.createFromArray(new float[][] {{11, 22, 33}, {14, 25, 36}}), x);
        assertEquals(Nd4j.createFromArray(25f, 47f, 69f), x.sum(0));
    }

    @Test
    void errorsFromOpsReachTheCallerUnwrapped() {
        FencedExecutioner.install();
        INDArray x = Nd4j.zeros(DataType.FLOAT, 2, 3);
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> x.addiRowVector(Nd4j.zeros(DataType.FLOAT, 1, 4)));
        assertTrue(e.getMessage().contains("Mismatched shapes"), e.getMessage());
    }

    /**
     * The crash's conditions in a JVM of its own, a 4 MB young generation and garbage from another thread: unfenced,
     * 15-second runs of this died with SIGSEGV in {@code sd::DataBuffer::primary()} in 4 of 5 tries (and none of 5
     * fenced). Fenced, it must survive; 10 s keeps the loop short. Tagged slow: ten seconds of a stress JVM is more
     * than the quick set (deploy/test --quick) can spend, whose fencing checks are the two tests above.
     */
    @Test
    @Tag("slow")
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void broadcastsSurviveForcedGcsWhenFenced() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx256m", "-Xmn4m", "-cp", System.getProperty("java.class.path"),
                GcStress.class.getName(), "10", "fenced")
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("out").toFile()).start();
        boolean exited = p.waitFor(100, TimeUnit.SECONDS);
        if (!exited) {
            p.destroyForcibly();
        }
        String out = Files.readString(dir.resolve("out"), StandardCharsets.UTF_8);
        List<String> crashes = crashFiles(dir.toFile());
        assertTrue(exited, "the stress JVM did not exit within 100 s: " + out);
        assertEquals(List.of(), crashes, "the stress JVM crashed: " + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("survived") && out.contains("fenced true"), out);
        assertNotEquals(-1, out.indexOf("checksum true"), out);
    }

    private static List<String> crashFiles(File dir) {
        String[] names = dir.list((d, name) -> name.startsWith("hs_err"));
        return names == null ? List.of() : List.of(names);
    }
}

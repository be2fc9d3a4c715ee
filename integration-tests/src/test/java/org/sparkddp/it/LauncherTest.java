package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** Runs deploy/spark-ddp in a child process, the way a user does: the JVM flags and classpath are under test. */
@Tag("slow")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class LauncherTest {
    @TempDir
    Path dir;

    record Result(int code, String stdout, String stderr) {
    }

    private Result launch(String... args) throws IOException, InterruptedException {
        ChildRun run = ChildRun.start(ChildRun.launcher(List.of(args)).directory(dir.toFile()), dir, "launcher");
        assertTrue(run.process().waitFor(5, TimeUnit.MINUTES), "launcher did not finish");
        return new Result(run.process().exitValue(), Files.readString(run.stdout(), StandardCharsets.UTF_8),
                Files.readString(run.stderr(), StandardCharsets.UTF_8));
    }

    @Test
    void helpPrintsUsage() throws Exception {
        Result r = launch("--help");
        assertEquals(0, r.code(), r.stderr());
        assertTrue(r.stdout().contains("usage: spark-ddp train"), r.stdout());
    }

    @Test
    void aBadKeyIsOneLineOnStderrAndExitTwo() throws Exception {
        Result r = launch("train", "--set", "training.wrokers=2");
        assertEquals(2, r.code(), r.stderr());
        assertEquals(List.of("spark-ddp: error: --set: training.wrokers: unknown key (did you mean training.workers?)"),
                r.stderr().lines().toList());
    }

    @Test
    void trainsOnTheSubsetAndWritesItsOutputs() throws Exception {
        Path out = dir.resolve("out");
        Result r = launch("train", "--set", "data.train=" + TestData.TRAIN, "--set", "data.test=" + TestData.TEST,
                "--set", "output.dir=" + out, "--set", "spark.master=local[2]", "--set", "spark.ui.enabled=false",
                "--set", "training.max-iterations=6");
        assertEquals(0, r.code(), r.stderr());
        assertTrue(r.stdout().contains("done: test accuracy"), r.stdout());
        for (String name : List.of("model.zip", "metrics.jsonl", "summary.json")) {
            assertTrue(Files.size(out.resolve(name)) > 0, name);
        }
    }
}

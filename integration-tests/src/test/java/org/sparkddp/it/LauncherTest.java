package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs deploy/spark-ddp in a child process, the way a user does: the JVM flags and classpath are under test. */
class LauncherTest {
    @TempDir
    Path dir;

    record Result(int code, String stdout, String stderr) {
    }

    private Result launch(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(TestData.REPO.resolve("deploy/spark-ddp").toString()));
        command.addAll(List.of(args));
        Path stdout = dir.resolve("stdout");
        Path stderr = dir.resolve("stderr");
        Process process = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "launcher did not finish");
        return new Result(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
                Files.readString(stderr, StandardCharsets.UTF_8));
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

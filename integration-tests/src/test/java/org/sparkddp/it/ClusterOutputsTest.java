package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The outputs of a run submitted to the standalone cluster land where the driver says: a relative output.dir (as
 * in the default job) is the driver's, never an executor's working directory under the worker's {@code work/},
 * which the worker's cleanup deletes. The documented follow-up, evaluate with the same relative --model, finds it.
 */
@Tag("slow")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ClusterOutputsTest extends StandaloneClusterTest {
    @Test
    void aRelativeOutputDirIsTheDriversDirectory() throws Exception {
        Path cwd = Files.createDirectories(dir.resolve("driver-cwd"));
        List<String> settings = List.of("data.train=" + TestData.TRAIN, "data.test=" + TestData.TEST,
                "output.dir=output/relative-run", "spark.ui.enabled=false", "training.epochs=1",
                "training.max-iterations=2", "model.layers=[{type=dense,units=16}]");
        ChildRun train = ChildRun.start(cluster.submitCommand(List.of(), TestData.commandLine("train", settings))
                .directory(cwd.toFile()), dir, "train");
        train.awaitSuccess(java.time.Duration.ofMinutes(4));
        Path run = cwd.resolve("output/relative-run");
        assertTrue(Files.isRegularFile(run.resolve("model.zip")), train.output());
        assertTrue(train.output().contains("outputs: file:" + run + "/{model.zip, metrics.jsonl, summary.json"),
                train.output());
        try (Stream<Path> work = Files.walk(cluster.state().resolve("work"))) {
            assertEquals(List.of(), work.filter(p -> p.getFileName().toString().equals("model.zip")).toList(),
                    "a model.zip in an executor's working directory");
        }

        List<String> evaluate = new ArrayList<>(TestData.commandLine("evaluate", settings));
        evaluate.addAll(List.of("--model", "output/relative-run/model.zip"));
        ChildRun scored = ChildRun.start(cluster.submitCommand(List.of(), evaluate).directory(cwd.toFile()), dir,
                "evaluate");
        scored.awaitSuccess(java.time.Duration.ofMinutes(4));
        assertTrue(Files.exists(run.resolve("evaluation.json")), scored.output());
    }
}

package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.Test;
import org.sparkddp.driver.TrainingJob;

/**
 * What Spark's UI shows of a training run: every job the run submits, from reading the data to writing model.zip,
 * carries the run's job group and a description under the run's label, and the training stages' descriptions
 * count the iterations and stages without a gap. Read from the jobs' properties as Spark posts them (a listener),
 * which is what the UI, the REST API and the event log show.
 */
class JobLabelsTest extends LocalSparkTest {
    private static final Pattern STAGE = Pattern.compile(
            "spark-ddp train · epoch (\\d+)/2 · iterations (\\d+)–(\\d+) · stage (\\d+) · sync · 2 workers");

    /** Each job's group and description, in the order the jobs started. */
    private static final class Jobs extends SparkListener {
        final List<String[]> started = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onJobStart(SparkListenerJobStart start) {
            var p = start.properties();
            started.add(new String[] {p == null ? null : p.getProperty("spark.jobGroup.id"),
                p == null ? null : p.getProperty("spark.job.description")});
        }
    }

    @Test
    void everyJobOfARunCarriesItsGroupAndADescriptionThatCountsTheIterations() throws Exception {
        Path dir = out.resolve("labels");
        // 16 iterations an epoch (2,000 examples, batch 128), in stages of 6: 6, 6, 4 per epoch.
        TrainingJob job = new TrainingJob(TestData.config(dir.resolve("out"), "training.epochs=2",
                "training.iterations-per-stage=6", "checkpoint.dir=" + dir.resolve("ckpt"),
                "checkpoint.every-epochs=1"), new Configuration(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false);
        TrainingJob.Prepared prepared = job.prepare();
        Jobs jobs = new Jobs();
        sc.sc().addSparkListener(jobs);
        try {
            job.run(sc, prepared);
            sc.sc().listenerBus().waitUntilEmpty(60_000);
        } finally {
            sc.sc().removeSparkListener(jobs);
        }

        List<String[]> started = List.copyOf(jobs.started);
        String group = started.get(0)[0];
        assertTrue(group != null && group.matches("spark-ddp-[0-9a-f-]{36}"), group);
        List<String> descriptions = new ArrayList<>();
        for (String[] j : started) {
            assertEquals(group, j[0], "a job outside the run's group: " + j[1]);
            assertTrue(j[1] != null && j[1].startsWith("spark-ddp train · "), "job described as " + j[1]);
            descriptions.add(j[1]);
        }
        // The training stages, in order: contiguous iterations 0-31, stages counted from 1, two epochs.
        long next = 0;
        int stage = 0;
        for (String d : descriptions) {
            Matcher m = STAGE.matcher(d);
            if (m.matches()) {
                assertEquals(next, Long.parseLong(m.group(2)), d);
                assertEquals(++stage, Integer.parseInt(m.group(4)), d);
                assertEquals(next / 16 + 1, Integer.parseInt(m.group(1)), d);
                next = Long.parseLong(m.group(3)) + 1;
            }
        }
        assertEquals(32, next, "the stages' iterations: " + descriptions);
        assertEquals(6, stage, String.valueOf(descriptions));
        // The shorter jobs: reading the data, evaluating each epoch, the checkpoints, model.zip.
        assertTrue(descriptions.stream().anyMatch(d -> d.matches("spark-ddp train · read .*train-images.* · "
                + "\\d+ splits? · spark-ddp train shards")), String.valueOf(descriptions));
        assertTrue(descriptions.contains("spark-ddp train · epoch 1/2 · evaluate"), String.valueOf(descriptions));
        assertTrue(descriptions.contains("spark-ddp train · epoch 2/2 · evaluate"), String.valueOf(descriptions));
        assertTrue(descriptions.stream().anyMatch(d -> d.matches("spark-ddp train · checkpoint · write \\d+ chunk"
                + " files of iteration 16")), String.valueOf(descriptions));
        assertTrue(descriptions.contains("spark-ddp train · save · write model.zip"), String.valueOf(descriptions));
        // The caller's thread gets its own labels back (it had none).
        assertNull(sc.getLocalProperty("spark.jobGroup.id"));
        assertNull(sc.getLocalProperty("spark.job.description"));
    }
}

package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkddp.driver.Main;

/**
 * A search's jobs in Spark's UI: each trial's jobs carry the trial's label and a job group of their own. The
 * command starts its own context, so the jobs are recorded by a listener it is given through
 * {@code spark.extraListeners}; stopping the context at the command's end delivers every event first.
 */
class SearchLabelsTest {
    /** Every job's group and description, from the listener Spark instantiates by name. */
    static final List<String[]> JOBS = Collections.synchronizedList(new ArrayList<>());

    /** Instantiated by Spark (spark.extraListeners), on the driver. */
    public static final class Recorder extends SparkListener {
        @Override
        public void onJobStart(SparkListenerJobStart start) {
            var p = start.properties();
            JOBS.add(new String[] {p.getProperty("spark.jobGroup.id"), p.getProperty("spark.job.description")});
        }
    }

    @TempDir
    Path dir;

    @Test
    void eachTrialsJobsCarryTheTrialsLabelAndAGroupOfTheirOwn() throws Exception {
        JOBS.clear();
        Path grid = TestData.configFile(dir, "grid.conf", "grid { \"optimizer.learning-rate\" = [0.01, 0.001] }");
        List<String> argv = new ArrayList<>(TestData.commandLine("search", List.of("data.train=" + TestData.TRAIN,
                "data.test=" + TestData.TEST, "output.dir=" + dir.resolve("job"), "spark.master=local[2]",
                "spark.ui.enabled=false", "training.epochs=1", "training.max-iterations=4",
                "spark.extraListeners=" + Recorder.class.getName())));
        argv.addAll(List.of("--grid", grid.toString()));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, Main.run(argv.toArray(String[]::new), new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)),
                err.toString(StandardCharsets.UTF_8));

        List<String[]> jobs = List.copyOf(JOBS);
        for (int trial = 1; trial <= 2; trial++) {
            String label = "spark-ddp search · trial " + trial + "/2 · ";
            Set<String> groups = new TreeSet<>();
            boolean trained = false;
            for (String[] job : jobs) {
                if (job[1] != null && job[1].startsWith(label)) {
                    groups.add(String.valueOf(job[0]));
                    trained |= job[1].equals(label + "epoch 1/1 · iterations 0–3 · stage 1 · sync · 2 workers");
                }
            }
            assertTrue(trained, "no training stage labelled '" + label + "...' in " + describe(jobs));
            assertEquals(1, groups.size(), "trial " + trial + "'s groups: " + groups);
            assertTrue(groups.iterator().next().matches("spark-ddp-[0-9a-f-]{36}"), groups.toString());
        }
        assertNotEquals(groupOf(jobs, "trial 1/2"), groupOf(jobs, "trial 2/2"));
    }

    private static String groupOf(List<String[]> jobs, String trial) {
        return jobs.stream().filter(j -> j[1] != null && j[1].contains(trial + " · epoch")).map(j -> j[0])
                .findFirst().orElseThrow();
    }

    private static List<String> describe(List<String[]> jobs) {
        return jobs.stream().map(j -> j[0] + " | " + j[1]).toList();
    }
}

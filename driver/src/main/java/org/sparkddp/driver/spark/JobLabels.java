package org.sparkddp.driver.spark;

import java.util.function.Supplier;
import org.apache.spark.SparkContext;

/**
 * What Spark's UI, its REST API and its event log show for each of our jobs: a description a person reads, e.g.
 * {@code spark-ddp train · epoch 3/20 · iterations 938–1406 · stage 2 · sync · 2 workers}, and one job group per
 * run. Runs on the driver.
 *
 * <p>NOTE: Spark keeps the job group and description as thread-local properties of the context (inherited by
 * threads started later, then independent): they label the jobs the <em>calling</em> thread submits. Every job of
 * ours is submitted on the thread that runs the command or {@code fit} (the timer threads of {@code JobDeadline}
 * and {@code SlotWatch} only cancel), so setting them there labels them all.
 */
public final class JobLabels {
    /** Our local property: what the thread's jobs belong to, e.g. "spark-ddp train". */
    public static final String RUN = "spark-ddp.run";
    /** Spark's own local properties (SparkContext.SPARK_JOB_DESCRIPTION and its neighbours). */
    static final String DESCRIPTION = "spark.job.description";
    static final String GROUP = "spark.jobGroup.id";
    static final String INTERRUPT = "spark.job.interruptOnCancel";
    private static final String[] KEPT = {RUN, DESCRIPTION, GROUP, INTERRUPT};

    private JobLabels() {
    }

    /**
     * {@code what} under the thread's run label, e.g. "spark-ddp train · epoch 1/3 · evaluate"; "spark-ddp · ..."
     * outside a run.
     */
    public static String of(SparkContext sc, String what) {
        String run = sc.getLocalProperty(RUN);
        return (run == null ? "spark-ddp" : run) + " · " + what;
    }

    /** The thread's labels as they are now; {@link Saved#restore} puts them back. */
    public static Saved save(SparkContext sc) {
        String[] values = new String[KEPT.length];
        for (int i = 0; i < KEPT.length; i++) {
            values[i] = sc.getLocalProperty(KEPT[i]);
        }
        return new Saved(sc, values);
    }

    /**
     * Labels the thread's jobs as one run's until {@link Saved#restore}: {@code label} (e.g. "spark-ddp train"),
     * unless the caller already gave one (a search trial's), and the job group {@code group}, which the run's
     * deadlines cancel.
     */
    public static Saved startRun(SparkContext sc, String group, String label) {
        Saved saved = save(sc);
        if (sc.getLocalProperty(RUN) == null) {
            sc.setLocalProperty(RUN, label);
        }
        sc.setJobGroup(group, sc.getLocalProperty(RUN), false);
        return saved;
    }

    /** Runs {@code job} (one or more Spark jobs) described as {@link #of}{@code (what)}, then restores the labels. */
    public static <T> T describe(SparkContext sc, String what, Supplier<T> job) {
        Saved saved = save(sc);
        sc.setJobDescription(of(sc, what));
        try {
            return job.get();
        } finally {
            saved.restore();
        }
    }

    /** A thread's labels at one moment. */
    public static final class Saved {
        private final SparkContext sc;
        private final String[] values;

        private Saved(SparkContext sc, String[] values) {
            this.sc = sc;
            this.values = values;
        }

        /** Puts the labels back as they were (a property that was unset is removed); on the same thread. */
        public void restore() {
            for (int i = 0; i < KEPT.length; i++) {
                sc.setLocalProperty(KEPT[i], values[i]);
            }
        }
    }
}

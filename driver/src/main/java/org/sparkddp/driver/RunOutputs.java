package org.sparkddp.driver;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.driver.checkpoint.Checkpoint;
import org.sparkddp.driver.checkpoint.CheckpointStore;
import org.sparkddp.driver.output.EvaluationReport;
import org.sparkddp.driver.output.MetricsLog;
import org.sparkddp.driver.output.ModelFile;
import org.sparkddp.driver.output.OutputDirectory;
import org.sparkddp.driver.output.QualifiedPath;
import org.sparkddp.driver.output.Summary;
import org.sparkddp.driver.report.TrainingReport;

/**
 * Where a training run writes its results, given what its output directory and checkpoint directory hold already.
 * Runs on the driver. No run deletes or overwrites an earlier run's results:
 * <ul>
 *   <li>an empty directory, or the run's own (a resumed run continuing its metrics): written directly;</li>
 *   <li>another run's results with {@code output.overwrite} (or {@code --overwrite}): this run writes into a hidden
 *       staging directory inside it, {@code .overwrite-<run id>} (its checkpoints into
 *       {@code .overwrite-<run id>-checkpoints} inside checkpoint.dir), and {@link #publish} moves them into place
 *       only once model.zip, metrics.jsonl and summary.json are all written. Until then the earlier results stay
 *       as they were, complete; a run that fails or is killed leaves them so, and what it wrote stays in its
 *       staging directories ({@link #abandon});</li>
 *   <li>another run's results without it: refused, in one line naming the key and the directory.</li>
 * </ul>
 */
final class RunOutputs {
    /** Every file a run's results may have, in the order a replacing run moves its own into place. */
    static final List<String> RESULTS = List.of(ModelFile.NAME, MetricsLog.NAME, TrainingReport.NAME,
            EvaluationReport.NAME, Summary.NAME);

    /** How a directory is written. */
    enum Mode {
        /** Nothing of an earlier run there. */
        FRESH,
        /** The run's own earlier results: a resumed run continues them. */
        CONTINUE,
        /** Another run's results, replaced at the end. */
        REPLACE
    }

    private final OutputDirectory target;
    private final OutputDirectory writing;
    private final Optional<CheckpointStore> checkpoints;
    private final Optional<CheckpointStore> checkpointsWriting;

    private RunOutputs(OutputDirectory target, OutputDirectory writing, Optional<CheckpointStore> checkpoints,
                       Optional<CheckpointStore> checkpointsWriting) {
        this.target = target;
        this.writing = writing;
        this.checkpoints = checkpoints;
        this.checkpointsWriting = checkpointsWriting;
    }

    /**
     * The decision, on what the directory holds: refused (one line naming {@code key}) where it holds another run's
     * results and {@code overwrite} is off.
     *
     * @param present what of an earlier run's results the directory holds
     * @param ownRun  whether those are this run's own: it resumes the run that wrote them
     */
    static Mode decide(List<String> present, boolean overwrite, boolean ownRun, String key, String location) {
        if (present.isEmpty()) {
            return Mode.FRESH;
        }
        if (overwrite) {
            return Mode.REPLACE;
        }
        if (ownRun) {
            return Mode.CONTINUE;
        }
        throw new InvalidConfigException(key, "'" + location + "' holds an earlier run's results ("
                + String.join(", ", present) + "); pass --overwrite (output.overwrite = true) to replace them once"
                + " this run's are complete, or choose another directory");
    }

    /** Refuses now, before Spark starts, what {@link #open} would refuse. */
    static void check(OutputDirectory output, Optional<CheckpointStore> checkpoints, boolean overwrite,
                      Optional<Checkpoint> resume, Configuration hadoopConf) throws IOException {
        outputMode(output, overwrite, resume, hadoopConf);
        checkpointMode(checkpoints, overwrite, resume);
    }

    /** Decides for both directories and makes the staging directories a replacing run writes into. */
    static RunOutputs open(OutputDirectory output, Optional<CheckpointStore> checkpoints, boolean overwrite,
                           Optional<Checkpoint> resume, String runId, Configuration hadoopConf) throws IOException {
        Mode outputMode = outputMode(output, overwrite, resume, hadoopConf);
        Mode checkpointMode = checkpointMode(checkpoints, overwrite, resume);
        OutputDirectory writing = outputMode == Mode.REPLACE ? output.staging(runId) : output;
        Optional<CheckpointStore> checkpointsWriting;
        try {
            checkpointsWriting = checkpointMode == Mode.REPLACE
                    ? Optional.of(checkpoints.orElseThrow().staging(runId)) : checkpoints;
        } catch (IOException | RuntimeException e) {
            if (writing != output) {
                writing.discard();
            }
            throw e;
        }
        return new RunOutputs(output, writing, checkpoints, checkpointsWriting);
    }

    private static Mode outputMode(OutputDirectory output, boolean overwrite, Optional<Checkpoint> resume,
                                   Configuration hadoopConf) throws IOException {
        return decide(output.present(RESULTS), overwrite, resume.map(c -> wroteTo(c, output, hadoopConf))
                .orElse(false), "output.dir", output.location());
    }

    private static Mode checkpointMode(Optional<CheckpointStore> checkpoints, boolean overwrite,
                                       Optional<Checkpoint> resume) throws IOException {
        if (checkpoints.isEmpty()) {
            return Mode.FRESH;
        }
        CheckpointStore store = checkpoints.get();
        // Resuming from one of its checkpoints (or from the directory itself) continues that run's checkpoints.
        boolean ownRun = resume.map(c -> c.location().equals(store.location())
                || store.location().equals(new Path(c.location()).getParent().toString())).orElse(false);
        return decide(store.list(), overwrite, ownRun, "checkpoint.dir", store.location());
    }

    /** Whether the run that wrote checkpoint {@code c} had {@code output} as its output.dir. */
    private static boolean wroteTo(Checkpoint c, OutputDirectory output, Configuration hadoopConf) {
        String dir = c.meta().path("config").path("output").path("dir").asText("");
        if (dir.isEmpty()) {
            return false;
        }
        try {
            return QualifiedPath.of(dir, hadoopConf, "output.dir").equals(output.location());
        } catch (InvalidConfigException e) {
            return false; // a path no longer usable here is not this directory
        }
    }

    /** The output directory, where the results end up (and what the console names). */
    OutputDirectory target() {
        return target;
    }

    /** Where this run writes its results now: the target, or its staging directory. */
    OutputDirectory writing() {
        return writing;
    }

    /** Where this run writes its checkpoints now, if it writes any. */
    Optional<CheckpointStore> checkpoints() {
        return checkpointsWriting;
    }

    boolean replacing() {
        return writing != target;
    }

    /** Once the run's results are all written: a replacing run's move into place (checkpoints first). */
    void publish() throws IOException {
        if (checkpointsWriting.isPresent() && checkpointsWriting.get() != checkpoints.get()) {
            checkpointsWriting.get().publishInto(checkpoints.get());
        }
        if (replacing()) {
            writing.publishInto(target, RESULTS, RESULTS);
        }
    }

    /**
     * After a failure: the earlier results are as they were. A replacing run's staging directories go if empty;
     * what the run wrote there stays, as a failed run's own files do in a fresh directory, and is named on the
     * console (its checkpoints, to resume from).
     */
    void abandon(PrintStream console) {
        if (checkpointsWriting.isPresent() && checkpointsWriting.get() != checkpoints.get()) {
            CheckpointStore staged = checkpointsWriting.get();
            List<String> written;
            try {
                written = staged.list();
            } catch (IOException | RuntimeException e) {
                written = List.of("?");
            }
            if (written.isEmpty()) {
                staged.discard();
            } else {
                console.println("kept: this run's checkpoints in " + staged.location() + " (resume with --resume "
                        + staged.location() + "); those in " + checkpoints.get().location() + " are unchanged");
            }
        }
        if (replacing()) {
            writing.discardIfEmpty();
            if (writing.existsQuietly(MetricsLog.NAME)) {
                console.println("kept: this run's " + MetricsLog.NAME + " in " + writing.location() + "; the earlier"
                        + " results in " + target.location() + " are unchanged");
            }
        }
    }
}

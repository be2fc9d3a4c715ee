package org.sparkddp.driver.output;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.Options;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkddp.common.data.StorageFailures;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * The job's output directory, on any Hadoop FileSystem. Runs on the driver.
 *
 * <p>Every file is written under a temporary hidden name and renamed into place only once complete, so a
 * reader (or a crash) never sees a half-written output: each file is complete or absent. A run that replaces an
 * earlier run's results writes its own into a hidden staging directory inside this one ({@link #staging}) and
 * moves them into place only once they are all complete ({@link #publishInto}).
 */
public final class OutputDirectory {
    /** How a staging directory's name starts: hidden, so that no listing takes it for results. */
    public static final String STAGING_PREFIX = ".overwrite-";
    private final FileSystem fs;
    private final Configuration hadoopConf;
    private final Path dir;
    private final String location;
    /** Whether {@link #open} made the directory: only then may a failed run remove it. */
    private final boolean created;

    private OutputDirectory(FileSystem fs, Configuration hadoopConf, Path dir, String location, boolean created) {
        this.created = created;
        this.fs = fs;
        this.hadoopConf = hadoopConf;
        this.dir = dir;
        this.location = location;
    }

    /** Something that writes a whole file. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /**
     * Checks up front that outputs can be written there (creating the directory), so that a bad path fails
     * before hours of training, not after. The directory is resolved to a fully qualified URI here, on the driver
     * ({@link QualifiedPath}): {@link #location} is what executor tasks write to.
     *
     * @param key the config key that named the directory
     */
    public static OutputDirectory open(String location, Configuration hadoopConf, String key) {
        Path dir = new Path(QualifiedPath.of(location, hadoopConf, key));
        try {
            FileSystem fs = dir.getFileSystem(hadoopConf);
            fs.setWriteChecksum(false); // no .crc side files next to the outputs on local disk
            boolean created = false;
            if (fs.exists(dir)) {
                FileStatus status = fs.getFileStatus(dir);
                if (!status.isDirectory()) {
                    throw new InvalidConfigException(key, "'" + location + "' is a file, expected a directory");
                }
            } else if (!fs.mkdirs(dir)) {
                throw new InvalidConfigException(key, "cannot create directory '" + location + "'");
            } else {
                created = true;
            }
            Path probe = new Path(dir, ".write-probe-" + UUID.randomUUID());
            fs.create(probe, false).close();
            fs.delete(probe, false);
            return new OutputDirectory(fs, hadoopConf, dir, dir.toString(), created);
        } catch (IllegalArgumentException e) { // a malformed URI, an unknown host in hdfs://host/...
            throw new InvalidConfigException(key, "'" + location + "' is not a usable path: " + firstLine(e.getMessage()));
        } catch (IOException e) {
            throw new InvalidConfigException(key, "cannot write to '" + location + "': " + StorageFailures.reason(e));
        }
    }

    /** The directory's fully qualified URI, e.g. {@code file:/home/me/output/run}. */
    public String location() {
        return location;
    }

    /**
     * Writes {@code name} completely under a temporary name, syncs it, then renames it into place, replacing any
     * earlier version in one step: a reader sees the old file or the new one, never none and never a part.
     *
     * <p>NOTE: a plain rename already replaces atomically on local disk (POSIX rename); HDFS refuses to rename
     * onto an existing file, and there FileContext's rename with OVERWRITE does it atomically on the namenode.
     */
    public void writeAtomically(String name, Writer writer) throws IOException {
        Path target = new Path(dir, name);
        Path temporary = new Path(dir, "." + name + ".tmp-" + UUID.randomUUID());
        boolean done = false;
        try {
            try (FSDataOutputStream out = fs.create(temporary, false)) {
                writer.write(out);
                out.hsync();
            }
            replace(temporary, target);
            done = true;
        } finally {
            if (!done) {
                fs.delete(temporary, false);
            }
        }
    }

    /** Renames {@code from} onto {@code to}, replacing a file there in one step (see {@link #writeAtomically}). */
    private void replace(Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            FileContext.getFileContext(fs.getUri(), hadoopConf).rename(from, to, Options.Rename.OVERWRITE);
        }
    }

    /** Which of {@code names} are in the directory, in their order. */
    public List<String> present(List<String> names) throws IOException {
        List<String> found = new ArrayList<>();
        for (String name : names) {
            if (exists(name)) {
                found.add(name);
            }
        }
        return found;
    }

    /**
     * A new hidden directory inside this one, {@code .overwrite-<id>}, where a run that replaces this directory's
     * results writes its own until they are all complete.
     */
    public OutputDirectory staging(String id) throws IOException {
        Path staging = new Path(dir, STAGING_PREFIX + id);
        if (!fs.mkdirs(staging)) {
            throw new IOException("cannot create " + staging);
        }
        return new OutputDirectory(fs, hadoopConf, staging, staging.toString(), true);
    }

    /**
     * Moves this staging directory's files into {@code target}, each replacing the earlier run's in one step (a
     * reader sees the old file or the new one), then removes the earlier run's {@code results} that this run did not
     * write (an {@code evaluation.json} of the old model, say), so that none is left looking like this run's; then
     * this directory.
     *
     * @param names   the files of this run, in the order they are moved (the one a reader takes as complete last)
     * @param results every name a run's result may have
     */
    public void publishInto(OutputDirectory target, List<String> names, List<String> results) throws IOException {
        List<String> moved = new ArrayList<>();
        for (String name : names) {
            if (exists(name)) {
                replace(new Path(dir, name), new Path(target.dir, name));
                moved.add(name);
            }
        }
        for (String name : results) {
            if (!moved.contains(name)) {
                target.remove(name);
            }
        }
        fs.delete(dir, true);
    }

    /** Removes this directory and everything in it: the staging directory of a run that failed. Best effort. */
    public void discard() {
        try {
            fs.delete(dir, true);
        } catch (IOException | RuntimeException e) {
            // a hidden directory left behind; the run's own failure is what gets reported
        }
    }

    public boolean exists(String name) throws IOException {
        return fs.exists(new Path(dir, name));
    }

    /** Whether {@code name} is there; false where the file system cannot say. */
    public boolean existsQuietly(String name) {
        try {
            return exists(name);
        } catch (IOException e) {
            return false;
        }
    }

    /** Removes one file, if it is there. */
    public void remove(String name) throws IOException {
        fs.delete(new Path(dir, name), false);
    }

    /**
     * After a failure: removes the directory if {@link #open} created it and nothing was written in it, so that
     * a failed run leaves no empty directory that looks like an output. Best effort: the failure being reported
     * matters more than this.
     */
    public void discardIfEmpty() {
        try {
            if (created && fs.exists(dir) && fs.listStatus(dir).length == 0) {
                fs.delete(dir, false);
            }
        } catch (IOException | RuntimeException e) {
            // leave it; the run's own failure is what gets reported
        }
    }

    private static String firstLine(String message) {
        return message == null ? "I/O error" : message.lines().findFirst().orElse(message);
    }
}

package org.sparkddp.driver.search;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkddp.common.data.StorageFailures;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.driver.output.OutputDirectory;
import org.sparkddp.driver.output.QualifiedPath;

/**
 * Where a search writes: its own directory, {@code output.dir} + {@code -search} ({@code output/fashion-mnist-mlp}
 * gives {@code output/fashion-mnist-mlp-search}), so that it never mixes with, or replaces, the job's own run.
 * It holds {@code trial-NNN/} (each a whole run) and {@code search.json}. Runs on the driver.
 *
 * <p>A directory that holds an earlier search is refused, unless {@code output.overwrite}: then the search writes
 * into a hidden sibling, {@code .NAME.overwrite-<id>}, and swaps it in only at its end, so that the earlier search
 * stays whole until the new one is complete (and after a failed or killed one).
 */
public final class SearchDirectory {
    static final String SUFFIX = "-search";

    private final FileSystem fs;
    private final Path target;
    /** Where the trials and search.json are written: the target, or its hidden sibling. */
    private final Path writing;

    private SearchDirectory(FileSystem fs, Path target, Path writing) {
        this.fs = fs;
        this.target = target;
        this.writing = writing;
    }

    /** The search directory of a job whose output.dir is {@code outputDir}: fully qualified, on the driver. */
    public static String locationOf(String outputDir, Configuration hadoopConf) {
        String dir = outputDir.replaceAll("/+$", "");
        return QualifiedPath.of(dir.isEmpty() ? outputDir : dir + SUFFIX, hadoopConf, "output.dir");
    }

    /**
     * Decides where the search writes, from what the directory holds; creates nothing (the caller opens
     * {@link #writing} as an {@link OutputDirectory}, which checks that it can be written).
     */
    public static SearchDirectory open(String outputDir, boolean overwrite, Configuration hadoopConf) {
        String location = locationOf(outputDir, hadoopConf);
        Path target = new Path(location);
        try {
            FileSystem fs = target.getFileSystem(hadoopConf);
            List<String> present = new ArrayList<>();
            FileStatus[] entries = !fs.exists(target) ? new FileStatus[0] : fs.getFileStatus(target).isDirectory()
                    ? fs.listStatus(target) : null;
            if (entries == null) {
                throw new InvalidConfigException("output.dir", "'" + location + "' is a file, expected a directory");
            }
            for (FileStatus status : entries) {
                String name = status.getPath().getName();
                if (!name.startsWith(".")) {
                    present.add(name);
                }
            }
            if (present.isEmpty()) {
                return new SearchDirectory(fs, target, target);
            }
            if (!overwrite) {
                present.sort(null);
                throw new InvalidConfigException("output.dir", "'" + location + "' holds an earlier search ("
                        + String.join(", ", present.subList(0, Math.min(3, present.size())))
                        + (present.size() > 3 ? ", ..." : "") + "); pass --overwrite (output.overwrite = true) to"
                        + " replace it once this search is complete, or choose another output.dir");
            }
            Path staging = new Path(target.getParent(), "." + target.getName() + OutputDirectory.STAGING_PREFIX
                    + UUID.randomUUID());
            return new SearchDirectory(fs, target, staging);
        } catch (IOException e) {
            throw new InvalidConfigException("output.dir", "cannot read '" + location + "': "
                    + StorageFailures.reason(e));
        }
    }

    /** The search directory, where its results end up. */
    public String location() {
        return target.toString();
    }

    /** Where the search writes now: the search directory, or its hidden sibling until the end. */
    public String writing() {
        return writing.toString();
    }

    public boolean replacing() {
        return !writing.equals(target);
    }

    /** Trial {@code number}'s directory under {@code root} (a {@link #writing} or {@link #location}). */
    public static String trialDir(String root, int number) {
        return String.format(Locale.ROOT, "%s/trial-%03d", root, number);
    }

    /**
     * Once search.json is written: a replacing search's directory takes the earlier one's place. The earlier one
     * is renamed aside first and removed after, so a crash between the two leaves both, never neither.
     */
    public void publish() throws IOException {
        if (!replacing()) {
            return;
        }
        Path aside = new Path(target.getParent(), "." + target.getName() + ".replaced-" + UUID.randomUUID());
        rename(target, aside);
        rename(writing, target);
        fs.delete(aside, true);
    }

    private void rename(Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("cannot rename " + from + " to " + to);
        }
    }

    /**
     * After a failure: a replacing search's hidden directory goes if it is empty; what its trials wrote stays there,
     * and the earlier search is as it was.
     *
     * @return the hidden directory kept, if one was
     */
    public Optional<String> abandon() {
        if (!replacing()) {
            return Optional.empty();
        }
        try {
            if (!fs.exists(writing)) {
                return Optional.empty();
            }
            if (fs.listStatus(writing).length == 0) {
                fs.delete(writing, true);
                return Optional.empty();
            }
            return Optional.of(writing.toString());
        } catch (IOException | RuntimeException e) {
            return Optional.of(writing.toString());
        }
    }
}

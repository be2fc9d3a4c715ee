package org.sparkddp.driver.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkddp.common.data.StorageFailures;
import org.sparkddp.common.error.InvalidDataException;
import org.sparkddp.common.wire.StateVersion;
import org.sparkddp.driver.output.Json;
import org.sparkddp.driver.output.OutputDirectory;
import org.sparkddp.driver.output.QualifiedPath;
import org.sparkddp.driver.train.EarlyStoppingState;

/**
 * Checkpoints in a directory on any Hadoop FileSystem, one subdirectory per checkpoint, {@code ckpt-<iteration>},
 * in format 2: the state's chunk files ({@code state-00000.bin} …, written in parallel by executor tasks), early
 * stopping's best state in {@code best/} when there is one, and {@code checkpoint.json}, the manifest (the states'
 * geometry and chunk checksums, seeds, config, provenance, metrics). Runs on the driver, which writes and reads
 * only the manifest and directory listings: the chunks go between the executors and the file system.
 *
 * <p>A checkpoint is written into a hidden temporary directory and renamed into place once every chunk file is
 * complete and synced and the manifest is written, so a crash never leaves a half checkpoint under a real name;
 * only the newest {@code keep} are kept.
 */
public final class CheckpointStore {
    static final String META = "checkpoint.json";
    /** Format 1's single state file: refused, named, when found. */
    static final String FORMAT_1_STATE = "state.bin";
    /** The subdirectory of early stopping's best state so far, in a run with early stopping. */
    static final String BEST = "best";
    /** The key of early stopping's counters in checkpoint.json. */
    static final String EARLY_STOPPING = "early_stopping";
    static final int FORMAT = 2;
    private static final Pattern NAME = Pattern.compile("^ckpt-(\\d+)$");

    private final FileSystem fs;
    private final Path dir;
    private final int keep;

    private CheckpointStore(FileSystem fs, Path dir, int keep) {
        this.fs = fs;
        this.dir = dir;
        this.keep = keep;
    }

    /** Opens (and creates) a checkpoint directory, checking up front that it can be written. */
    public static CheckpointStore open(String location, int keep, Configuration hadoopConf) {
        // The same checks and errors as output.dir; a fully qualified URI, since executor tasks write the chunks.
        Path dir = new Path(OutputDirectory.open(location, hadoopConf, "checkpoint.dir").location());
        try {
            return new CheckpointStore(dir.getFileSystem(hadoopConf), dir, keep);
        } catch (IOException e) {
            throw new InvalidDataException(location, "cannot be opened: " + StorageFailures.reason(e));
        }
    }

    /**
     * Writes a checkpoint of {@code state} (and early stopping's {@code best}) and prunes old ones; returns its
     * location.
     *
     * @param meta   what checkpoint.json records besides the states' geometry
     * @param chunks writes a state's chunk files (in parallel, on the executors)
     */
    public String write(StateVersion state, Map<String, Object> meta, Optional<StateVersion> best,
                        ChunkWriter chunks) throws IOException {
        String name = String.format("ckpt-%012d", state.iteration());
        Path target = new Path(dir, name);
        Path temporary = new Path(dir, "." + name + ".tmp-" + UUID.randomUUID());
        try {
            fs.mkdirs(temporary);
            Map<String, Object> manifest = new LinkedHashMap<>(meta);
            manifest.put("format", FORMAT);
            manifest.put("state", Manifest.describe(state, chunks.write(state, temporary.toString())));
            if (best.isPresent()) {
                Path bestDir = new Path(temporary, BEST);
                fs.mkdirs(bestDir);
                manifest.put(BEST, Manifest.describe(best.get(), chunks.write(best.get(), bestDir.toString())));
            }
            writeFile(new Path(temporary, META), (Json.pretty(manifest) + "\n").getBytes(StandardCharsets.UTF_8));
            if (fs.exists(target)) {
                fs.delete(target, true); // the same iteration written again, by a resumed run: the same content
            }
            if (!fs.rename(temporary, target)) {
                throw new IOException("cannot rename " + temporary + " to " + target);
            }
        } finally {
            fs.delete(temporary, true);
        }
        prune();
        return target.toString();
    }

    private void writeFile(Path path, byte[] bytes) throws IOException {
        try (FSDataOutputStream out = fs.create(path, false)) {
            out.write(bytes);
            out.hsync();
        }
    }

    private void prune() throws IOException {
        List<FileStatus> all = checkpoints(fs, dir);
        for (int i = 0; i < all.size() - keep; i++) {
            fs.delete(all.get(i).getPath(), true);
        }
    }

    /** Complete checkpoints in {@code dir}, oldest first (temporary directories are hidden and never listed). */
    private static List<FileStatus> checkpoints(FileSystem fs, Path dir) throws IOException {
        List<FileStatus> found = new ArrayList<>();
        for (FileStatus status : fs.listStatus(dir)) {
            if (status.isDirectory() && NAME.matcher(status.getPath().getName()).matches()
                    && (fs.exists(new Path(status.getPath(), META))
                    || fs.exists(new Path(status.getPath(), FORMAT_1_STATE)))) {
                found.add(status);
            }
        }
        found.sort(Comparator.comparingLong(s -> iterationOf(s.getPath().getName())));
        return found;
    }

    private static long iterationOf(String name) {
        Matcher m = NAME.matcher(name);
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * Reads the checkpoint at {@code location}: a checkpoint directory itself, or a directory of checkpoints, in
     * which case the newest complete one. Reads only checkpoint.json and directory listings: every chunk file the
     * manifest names must be there with its exact length (a missing or short one is refused, named); the chunks'
     * checksums are checked where they are read, on the executors.
     */
    public static Checkpoint read(String location, Configuration hadoopConf) {
        // Fully qualified: the executors read the chunk files from the paths the driver gives them.
        Path path = new Path(QualifiedPath.of(location, hadoopConf, "--resume"));
        try {
            FileSystem fs = path.getFileSystem(hadoopConf);
            if (!fs.getFileStatus(path).isDirectory()) {
                throw new InvalidDataException(location, "is not a checkpoint directory");
            }
            if (!fs.exists(new Path(path, META)) && !fs.exists(new Path(path, FORMAT_1_STATE))) {
                List<FileStatus> all = checkpoints(fs, path);
                if (all.isEmpty()) {
                    throw new InvalidDataException(location, "holds no checkpoint (no complete ckpt-<iteration> directory)");
                }
                path = all.get(all.size() - 1).getPath();
            }
            if (fs.exists(new Path(path, FORMAT_1_STATE))) {
                throw new InvalidDataException(new Path(path, FORMAT_1_STATE).toString(), "is a format-1 checkpoint,"
                        + " which this version does not read (it reads format " + FORMAT + ": chunk files and "
                        + META + ")");
            }
            String metaFile = new Path(path, META).toString();
            JsonNode meta;
            try {
                meta = Json.parse(new String(readAll(fs, new Path(path, META)), StandardCharsets.UTF_8));
            } catch (IllegalStateException e) {
                throw new InvalidDataException(metaFile, "is not valid JSON");
            }
            if (meta.path("format").asInt(-1) != FORMAT) {
                throw new InvalidDataException(metaFile, "has checkpoint format " + meta.path("format").asText("?")
                        + "; this version reads " + FORMAT);
            }
            StateVersion state = Manifest.parse(meta.path("state"), "state", path.toString(), metaFile);
            if (meta.path("iteration").asLong(-1) != state.iteration()) {
                throw new InvalidDataException(metaFile, "is inconsistent: iteration " + meta.path("iteration")
                        .asText() + " but its state's is " + state.iteration());
            }
            ChunkListing.check(fs, state);
            return new Checkpoint(path.toString(), state, meta, stopping(fs, path, meta));
        } catch (FileNotFoundException e) {
            throw new InvalidDataException(location, "no such checkpoint directory");
        } catch (IOException e) {
            throw new InvalidDataException(location, "cannot be read: " + StorageFailures.reason(e));
        } catch (IllegalArgumentException e) {
            throw new InvalidDataException(location, "is not a usable path: " + e.getMessage());
        }
    }

    /** Early stopping's state, if the checkpoint was written with it: the counters and the best state's files. */
    private static Optional<EarlyStoppingState> stopping(FileSystem fs, Path checkpoint, JsonNode meta)
            throws IOException {
        JsonNode counters = meta.path(EARLY_STOPPING);
        if (counters.isMissingNode()) {
            return Optional.empty();
        }
        String metaFile = new Path(checkpoint, META).toString();
        StateVersion best = Manifest.parse(meta.path(BEST), BEST, new Path(checkpoint, BEST).toString(), metaFile);
        ChunkListing.check(fs, best);
        return Optional.of(new EarlyStoppingState(counters.path("best_epoch").asInt(),
                counters.path("best_loss").asDouble(), counters.path("since_best").asInt(), best));
    }

    private static byte[] readAll(FileSystem fs, Path path) throws IOException {
        try (InputStream in = fs.open(path)) {
            return in.readAllBytes();
        }
    }

    /** The directory's fully qualified URI. */
    public String location() {
        return dir.toString();
    }

    /**
     * A store in a new hidden directory inside this one ({@code .overwrite-<id>-checkpoints}), for the checkpoints of
     * a run that replaces this directory's: the earlier run's stay as they are until that run is complete.
     */
    public CheckpointStore staging(String id) throws IOException {
        Path staging = new Path(dir, OutputDirectory.STAGING_PREFIX + id + "-checkpoints");
        if (!fs.mkdirs(staging)) {
            throw new IOException("cannot create " + staging);
        }
        return new CheckpointStore(fs, staging, keep);
    }

    /**
     * Replaces {@code target}'s checkpoints with this staging store's: the earlier run's are removed, this run's
     * moved in (a checkpoint's manifest names its chunk files relative to its directory), then this directory is
     * removed.
     */
    public void publishInto(CheckpointStore target) throws IOException {
        for (FileStatus earlier : checkpoints(fs, target.dir)) {
            fs.delete(earlier.getPath(), true);
        }
        for (FileStatus mine : checkpoints(fs, dir)) {
            Path to = new Path(target.dir, mine.getPath().getName());
            if (!fs.rename(mine.getPath(), to)) {
                throw new IOException("cannot rename " + mine.getPath() + " to " + to);
            }
        }
        fs.delete(dir, true);
    }

    /** Removes this directory and everything in it: the staging store of a run that failed. Best effort. */
    public void discard() {
        try {
            fs.delete(dir, true);
        } catch (IOException | RuntimeException e) {
            // a hidden directory left behind; the run's own failure is what gets reported
        }
    }

    /** For tests: the checkpoint directories present, oldest first. */
    public List<String> list() throws IOException {
        return checkpoints(fs, dir).stream().map(s -> s.getPath().getName()).toList();
    }

}

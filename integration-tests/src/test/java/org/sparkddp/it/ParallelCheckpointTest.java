package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.error.InvalidDataException;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.wire.ModelState;
import org.sparkddp.common.wire.StateVersion;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.sparkddp.driver.Main;
import org.sparkddp.driver.TrainingJob;
import org.sparkddp.driver.output.ModelFile;
import org.sparkddp.driver.spark.DriverResultBytes;
import org.sparkddp.driver.checkpoint.Checkpoint;
import org.sparkddp.driver.checkpoint.CheckpointStore;
import org.sparkddp.driver.checkpoint.DriverStates;
import org.sparkddp.driver.checkpoint.SparkChunkWriter;
import org.sparkddp.driver.train.JobDeadline;
import org.sparkddp.worker.state.CorruptChunkException;

/**
 * Format-2 checkpoints through the real path: chunk files written by executor tasks in parallel, a manifest, a
 * resume that lists them and executors that read them; and every way a chunk file can be missing or damaged
 * refused in one line naming it. Chunks are forced small (1,000 floats) so that there are many and one straddles
 * the parameters and the optimizer state.
 */
class ParallelCheckpointTest extends LocalSparkTest {
    private static final int CHUNK = 1000;
    private static final int PARAMS = 10_007; // chunk 10 holds the last 7 parameters and the first 993 Adam values
    private static final int UPDATER = 2 * PARAMS;

    private static ModelState state(long seed, long iteration, int epoch) {
        Random random = new Random(seed);
        float[] params = new float[PARAMS];
        float[] updater = new float[UPDATER];
        for (int i = 0; i < params.length; i++) {
            params[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < updater.length; i++) {
            updater[i] = random.nextFloat();
        }
        updater[5] = Float.NaN; // bit patterns survive, not only values
        updater[6] = -0.0f;
        return new ModelState(params, updater, iteration, epoch);
    }

    private JobDeadline deadline() {
        return new JobDeadline(sc, "spark-ddp-test-checkpoint", Duration.ofMinutes(2));
    }

    /** Writes a checkpoint of {@code state} (and {@code best}) as the training job does, from the driver's state. */
    private String write(CheckpointStore store, ModelState state, Optional<ModelState> best) throws IOException {
        try (DriverStates states = DriverStates.withChunks(sc, CHUNK)) {
            StateVersion current = states.put("run", state);
            Optional<StateVersion> bestVersion = best.map(b -> states.put("run", b));
            return store.write(current, Map.of("iteration", state.iteration(), "seed", 42), bestVersion,
                    new SparkChunkWriter(sc, deadline()));
        }
    }

    private Path written(String name) throws IOException {
        CheckpointStore store = CheckpointStore.open(out.resolve(name).toString(), 3, new Configuration());
        return local(write(store, state(1, 20, 1), Optional.empty()));
    }

    /** A location as the store gives it (a plain path, or a file: URI from a listing) as a local path. */
    private static Path local(String location) {
        return location.startsWith("file:") ? Path.of(java.net.URI.create(location)) : Path.of(location);
    }

    private static void assertBitwise(ModelState expected, ModelState actual) {
        assertEquals(expected.iteration(), actual.iteration());
        assertEquals(expected.epoch(), actual.epoch());
        assertEquals(expected.params().length, actual.params().length);
        for (int i = 0; i < expected.params().length; i++) {
            assertEquals(Float.floatToRawIntBits(expected.params()[i]), Float.floatToRawIntBits(actual.params()[i]),
                    "parameter " + i);
        }
        assertEquals(expected.updaterState().length, actual.updaterState().length);
        for (int i = 0; i < expected.updaterState().length; i++) {
            assertEquals(Float.floatToRawIntBits(expected.updaterState()[i]),
                    Float.floatToRawIntBits(actual.updaterState()[i]), "optimizer value " + i);
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        }
    }

    @Test
    void aParallelCheckpointReadsBackBitwiseWithItsBestStateAndExecutorsReadItsChunkFiles() throws IOException {
        ModelState state = state(1, 20, 1);
        ModelState best = state(2, 16, 1);
        CheckpointStore store = CheckpointStore.open(out.resolve("roundtrip").toString(), 3, new Configuration());
        try (DriverResultBytes results = DriverResultBytes.watch(sc.sc())) {
            write(store, state, Optional.of(best));
            // 62 chunk files of 4,000 bytes each (240 KB of state) were written; the driver received a few dozen
            // bytes per chunk (its size and checksum), never a chunk.
            assertTrue(results.total() < 62 * 2000, "the driver received " + results.total() + " bytes");
        }

        Checkpoint read = CheckpointStore.read(out.resolve("roundtrip").toString(), new Configuration());
        StateVersion files = read.state();
        assertEquals(StateVersion.Home.FILES, files.home());
        assertEquals(31, files.chunks()); // 30,021 floats in chunks of 1,000
        assertTrue(files.layout().chunkFrom(10) < PARAMS && files.layout().chunkTo(10) > PARAMS,
                "no chunk straddles the boundary");
        assertEquals(20, files.iteration());
        assertEquals(1, files.epoch());
        assertEquals(42, read.meta().path("seed").asInt());
        assertEquals(2, read.meta().path("format").asInt());
        Path dir = local(read.location());
        List<String> expected = new ArrayList<>();
        for (int c = 0; c < 31; c++) {
            expected.add(String.format("state-%05d.bin", c));
        }
        expected.addAll(List.of("best", "checkpoint.json"));
        assertEquals(expected.stream().sorted().toList(), names(dir));
        assertBitwise(state, DriverStates.fetch(files));

        // Early stopping's best state has its own chunk files beside the state's. (No counters were written here,
        // so the manifest's "best" entry is read directly.)
        assertEquals(31, names(dir.resolve("best")).size());

        // A second checkpoint written from the first one's files: the tasks read each chunk on the executors
        // (FileChunks, CRC-checked) and stream it to the new file, which must be the same state.
        CheckpointStore copies = CheckpointStore.open(out.resolve("copy").toString(), 3, new Configuration());
        copies.write(files, Map.of("iteration", 20), Optional.empty(), new SparkChunkWriter(sc, deadline()));
        Checkpoint copy = CheckpointStore.read(out.resolve("copy").toString(), new Configuration());
        assertArrayEquals(files.crcs(), copy.state().crcs());
        assertBitwise(state, DriverStates.fetch(copy.state()));
    }

    @Test
    void aMissingOrTruncatedChunkFileIsRefusedByTheListingNamingIt() throws IOException {
        Path dir = written("listing");
        Path third = dir.resolve("state-00003.bin");
        byte[] bytes = Files.readAllBytes(third);

        Files.delete(third);
        Files.deleteIfExists(dir.resolve(".state-00003.bin.crc"));
        CorruptChunkException missing = assertThrows(CorruptChunkException.class,
                () -> CheckpointStore.read(dir.toString(), new Configuration()));
        // Named by the fully qualified URI they are read from: CheckpointStore.read qualifies the checkpoint's path.
        assertEquals("file:" + dir + "/state-00003.bin: missing; the checkpoint lists 31 chunk files",
                missing.getMessage());

        Files.write(third, java.util.Arrays.copyOf(bytes, bytes.length - 1));
        CorruptChunkException truncated = assertThrows(CorruptChunkException.class,
                () -> CheckpointStore.read(out.resolve("listing").toString(), new Configuration()));
        assertTrue(truncated.getMessage().endsWith("/state-00003.bin: is " + (bytes.length - 1) + " bytes but the"
                + " checkpoint lists " + bytes.length + " (truncated)"), truncated.getMessage());
        assertFalse(truncated.getMessage().contains("\n"));
    }

    @Test
    void aFlippedByteIsRefusedWhereTheChunkIsReadOnAnExecutorNamingTheFile() throws IOException {
        Path dir = written("flipped");
        Path seventh = dir.resolve("state-00007.bin");
        byte[] bytes = Files.readAllBytes(seventh);
        bytes[100] ^= 0x20;
        Files.write(seventh, bytes);
        Files.deleteIfExists(dir.resolve(".state-00007.bin.crc")); // else Hadoop's own local checksum finds it first
        Checkpoint checkpoint = CheckpointStore.read(dir.toString(), new Configuration()); // the listing is fine

        // In the test's JVM (DriverStates) and on an executor (a task reading the state) alike.
        CorruptChunkException onDriver = assertThrows(CorruptChunkException.class,
                () -> DriverStates.fetch(checkpoint.state()));
        assertEquals("file:" + seventh + ": is corrupt: its checksum does not match", onDriver.getMessage());
        CheckpointStore copies = CheckpointStore.open(out.resolve("flipped-copy").toString(), 3, new Configuration());
        Exception onExecutor = assertThrows(Exception.class, () -> copies.write(checkpoint.state(), Map.of(),
                Optional.empty(), new SparkChunkWriter(sc, deadline())));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, Main.report(onExecutor, new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertEquals("spark-ddp: error: file:" + seventh + ": is corrupt: its checksum does not match\n",
                err.toString(StandardCharsets.UTF_8));
        assertTrue(copies.list().isEmpty(), "a checkpoint whose chunks failed must not appear: " + copies.list());

        // With Hadoop's .crc file left in place, the file system's checksum catches it: still one line naming it.
        Path other = written("flipped-crc");
        Path first = other.resolve("state-00000.bin");
        byte[] again = Files.readAllBytes(first);
        again[40] ^= 0x01;
        Files.write(first, again);
        String message = assertThrows(CorruptChunkException.class, () -> DriverStates.fetch(
                CheckpointStore.read(other.toString(), new Configuration()).state())).getMessage();
        assertTrue(message.startsWith("file:" + first + ": is corrupt: its checksum does not match"), message);
    }

    @Test
    void aFormat1CheckpointIsRefusedNamingTheFileAndTheFormat() throws IOException {
        Path dir = Files.createDirectories(out.resolve("old/ckpt-000000000010"));
        Files.write(dir.resolve("state.bin"), new byte[64]);
        Files.writeString(dir.resolve("checkpoint.json"), "{\"format\": 1, \"iteration\": 10}");
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> CheckpointStore.read(out.resolve("old").toString(), new Configuration()));
        assertTrue(e.getMessage().endsWith("ckpt-000000000010/state.bin: is a format-1 checkpoint, which this"
                + " version does not read (it reads format 2: chunk files and checkpoint.json)"), e.getMessage());
    }

    @Test
    void theCommandLineRefusesACheckpointMissingAChunkWithExitCode2() throws IOException {
        Path dir = written("cli");
        Files.delete(dir.resolve("state-00030.bin"));
        List<String> argv = TestData.commandLine("train", List.of("data.train=" + TestData.TRAIN,
                "data.test=" + TestData.TEST, "output.dir=" + out.resolve("cli-out"), "spark.master=local[2]"));
        argv.addAll(List.of("--resume", out.resolve("cli").toString()));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(argv.toArray(String[]::new), new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String printed = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, code, printed);
        assertTrue(printed.matches("spark-ddp: error: \\S*/cli/ckpt-000000000020/state-00030\\.bin: missing; the"
                + " checkpoint lists 31 chunk files\n"), printed);
        assertFalse(Files.exists(out.resolve("cli-out")), "nothing may be written for a refused resume");
    }

    @Test
    void modelZipIsWrittenByOneExecutorTaskFromACheckpointsFilesAndDl4jLoadsIt() throws IOException {
        TrainingJob.Prepared prepared = new TrainingJob(TestData.config(out.resolve("model-out")), new Configuration(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false).prepare();
        // The initialized network's state, moved off its initialization so that a load that did nothing shows.
        ModelState initial = ModelState.capture(NetworkFactory.build(prepared.network()), 0, 0);
        float[] params = initial.params().clone();
        float[] updater = initial.updaterState().clone();
        for (int i = 0; i < params.length; i++) {
            params[i] += 1e-3f * (i % 7);
        }
        for (int i = 0; i < updater.length; i++) {
            updater[i] = 1e-4f * (i % 5);
        }
        ModelState state = new ModelState(params, updater, 37, 2);
        CheckpointStore store = CheckpointStore.open(out.resolve("model-ckpt").toString(), 1, new Configuration());
        try (DriverStates states = DriverStates.withChunks(sc, 100_000)) { // several chunks, one straddling
            store.write(states.put("run", state), Map.of("iteration", 37), Optional.empty(),
                    new SparkChunkWriter(sc, deadline()));
        }
        StateVersion files = CheckpointStore.read(out.resolve("model-ckpt").toString(), new Configuration()).state();
        assertTrue(files.chunks() > 2, files.toString());

        long size = ModelFile.write(sc, deadline(), prepared.output(), prepared.network(), files);
        Path zip = out.resolve("model-out/model.zip");
        assertEquals(Files.size(zip), size);
        MultiLayerNetwork model = MultiLayerNetwork.load(zip.toFile(), true);
        assertArrayEquals(params, model.params().toFloatVector(), 0f);
        assertArrayEquals(updater, model.getUpdater().getStateViewArray().toFloatVector(), 0f);
        assertEquals(37, model.getIterationCount());
        assertEquals(2, model.getEpochCount());
        try (Stream<Path> left = Files.list(out.resolve("model-out"))) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "a temporary file is left");
        }
    }
}

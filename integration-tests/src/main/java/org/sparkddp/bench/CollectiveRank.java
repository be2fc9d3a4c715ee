package org.sparkddp.bench;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.sparkddp.common.config.CollectiveKind;
import org.sparkddp.common.config.WireFormat;
import org.sparkddp.driver.output.Json;
import org.sparkddp.worker.collective.Collective;
import org.sparkddp.worker.collective.Collectives;
import org.sparkddp.worker.collective.FloatVector;
import org.sparkddp.worker.collective.RendezvousClient;
import org.sparkddp.worker.collective.WireSecret;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * One rank of the scaling benchmark, in its own JVM bound to its emulated host's address (see
 * {@link BoundSelectorProvider}). Connects through {@link Collectives#connect}, as a training task does, via the
 * benchmark's rendezvous on 127.0.0.1; then, for each vector size, runs warm-up all-reduces and times
 * {@code reps} more, each after a calibrated wait that stands in for a step's compute (a sleep: it holds no core,
 * so 16 ranks fit on 2). Prints one {@code RESULT} line per size with its times and the process's CPU time. Then,
 * given {@code --replay}, replays each model's measured training step ({@link ReplayRun}) and prints one
 * {@code REPLAY} line per model and mode. All of it once per wire of {@code --wires}; with bf16, the first
 * {@code --bf16-sizes} sizes only.
 *
 * <p>Usage: {@code CollectiveRank --rendezvous H:P --secret S --token T --rank R --size W --host 127.0.0.K
 * --kind ring|hierarchical|auto --floats N1,N2 --reps R1,R2 --warmup K1,K2 --compute-ms C --timeout-s S
 * [--wires fp32,bf16 --bf16-sizes K] [--replay FILE --replay-steps N]}
 */
public final class CollectiveRank {
    private CollectiveRank() {
    }

    /** The rank's arguments, all required (the benchmark's parent gives them). */
    @Command(name = "CollectiveRank")
    static final class Options implements BenchOptions.Checked {
        @Option(names = "--rendezvous", paramLabel = "H:P", required = true, description = "the rendezvous's address")
        String rendezvous;
        @Option(names = "--secret", paramLabel = "S", required = true, description = "the run's shared secret")
        String secret;
        @Option(names = "--token", paramLabel = "T", required = true, description = "this configuration's token")
        String token;
        @Option(names = "--rank", paramLabel = "R", required = true, description = "this rank")
        int rank;
        @Option(names = "--size", paramLabel = "W", required = true, description = "the number of ranks")
        int size;
        @Option(names = "--host", paramLabel = "127.0.0.K", required = true, description = "the emulated host")
        String host;
        @Option(names = "--kind", paramLabel = "ring|hierarchical|auto", required = true,
                description = "the collective asked for")
        CollectiveKind kind;
        @Option(names = "--floats", paramLabel = "N1,N2", required = true, split = ",",
                description = "the vector sizes")
        long[] floats;
        @Option(names = "--reps", paramLabel = "R1,R2", required = true, split = ",",
                description = "timed all-reduces per size")
        long[] reps;
        @Option(names = "--warmup", paramLabel = "K1,K2", required = true, split = ",",
                description = "untimed all-reduces per size")
        long[] warmup;
        @Option(names = "--compute-ms", paramLabel = "C", required = true, description = "the wait between all-reduces")
        long computeMs;
        @Option(names = "--timeout-s", paramLabel = "S", required = true, description = "the bound on every wait")
        long timeoutSeconds;
        @Option(names = "--wires", paramLabel = "fp32,bf16", split = ",", description = "gradient wires (fp32)")
        List<WireFormat> wires = List.of(WireFormat.FP32);
        @Option(names = "--bf16-sizes", paramLabel = "K", description = "sizes measured with bf16 too (0)")
        int bf16Sizes;
        @Option(names = "--replay", paramLabel = "FILE", description = "the models' steps, one JSON line each")
        Path replay;
        @Option(names = "--replay-steps", paramLabel = "N", description = "timed steps per replay (5)")
        int replaySteps = 5;

        @Override
        public void check() {
            if (reps.length != floats.length || warmup.length != floats.length) {
                throw new IllegalArgumentException("--floats, --reps and --warmup need one value per size");
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Options a = BenchOptions.parseOrExit("CollectiveRank", new Options(), args);
        int rank = a.rank;
        int size = a.size;
        Duration timeout = Duration.ofSeconds(a.timeoutSeconds);
        long[] floats = a.floats;
        long[] reps = a.reps;
        long[] warmup = a.warmup;
        long computeMs = a.computeMs;
        CollectiveKind kind = a.kind;
        List<LayerSchedule> schedules = new ArrayList<>();
        if (a.replay != null) {
            for (String line : Files.readAllLines(a.replay, StandardCharsets.UTF_8)) {
                schedules.add(LayerSchedule.fromJson(Json.parse(line)));
            }
        }
        for (WireFormat wire : a.wires) {
            try (Connections connections = new Connections(a, wire, timeout)) {
                Collective collective = connections.vector("sizes");
                if (wire == WireFormat.FP32) {
                    // Tells the benchmark which implementation answered the kind asked for (a build without
                    // hierarchical answers it with the ring, and those points must not be labelled hierarchical).
                    System.out.println("IMPLEMENTATION " + collective.getClass().getSimpleName());
                }
                int sizes = wire == WireFormat.FP32 ? floats.length : Math.min(a.bf16Sizes, floats.length);
                if (wire != WireFormat.FP32) {
                    // NOTE: the codec's loops are cold in a fresh JVM, and 16 JVMs compile them on 2 cores: in the
                    // first runs, whichever bf16 work came first took 5x its time in a later run. Warmed up first.
                    warmCodec(connections.vector("warm-up"));
                }
                measureSizes(connections, collective, wire, sizes, floats, reps, warmup, computeMs);
                for (int m = 0; m < schedules.size(); m++) {
                    replay(connections, schedules.get(m), "m" + m, a.replaySteps, timeout);
                }
            }
        }
    }

    /** Untimed all-reduces of a gradient of 256K floats, enough for the JIT to compile the bf16 codec's loops. */
    private static void warmCodec(Collective collective) {
        int n = 1 << 18;
        FloatVector vector = new FloatVector(ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.nativeOrder()));
        for (int i = 0; i < 20; i++) {
            collective.allReduceGradient(vector, n);
        }
    }

    private static void measureSizes(Connections connections, Collective first, WireFormat wire, int sizes,
                                     long[] floats, long[] reps, long[] warmup, long computeMs)
            throws InterruptedException {
        for (int s = 0; s < sizes; s++) {
            measure(s == 0 ? first : connections.vector("size-" + s), wire, floats[s], (int) reps[s], (int) warmup[s],
                    computeMs);
        }
    }

    /**
     * The collectives of one wire. With fp32 one collective serves every vector; with bf16 each vector (a size, a
     * model's whole gradient, one bucket of it) needs its own, as a collective's error feedback keeps the residual of
     * one gradient; each is connected through its own rendezvous token.
     */
    private static final class Connections implements AutoCloseable {
        private final Options a;
        private final WireFormat wire;
        private final Duration timeout;
        private final List<Collective> opened = new ArrayList<>();

        Connections(Options a, WireFormat wire, Duration timeout) {
            this.a = a;
            this.wire = wire;
            this.timeout = timeout;
        }

        Collective vector(String purpose) {
            if (wire == WireFormat.FP32 && !opened.isEmpty()) {
                return opened.get(0);
            }
            String token = a.token + "-" + wire.name() + "-" + purpose;
            RendezvousClient rendezvous = new RendezvousClient(a.rendezvous, a.secret, token, a.rank, a.size, timeout,
                    () -> false);
            Collective c = Collectives.connect(a.kind, a.rank, a.size, a.host, WireSecret.of(a.secret), rendezvous,
                    timeout, () -> false, wire);
            opened.add(c);
            return c;
        }

        @Override
        public void close() {
            Collections.reverse(opened);
            opened.forEach(Collective::close);
        }
    }

    /** Replays one model's step in each mode; prints a REPLAY line per mode with this rank's step times. */
    private static void replay(Connections connections, LayerSchedule schedule, String tag, int steps,
                               Duration timeout) {
        Collective whole = connections.vector(tag + "-whole");
        List<Collective> perBucket = new ArrayList<>();
        for (int b = 0; b < schedule.buckets(1).size(); b++) {
            perBucket.add(connections.vector(tag + "-bucket-" + b));
        }
        List<ReplayRun.Mode> modes = connections.wire == WireFormat.FP32
                ? List.of(ReplayRun.Mode.COMPUTE, ReplayRun.Mode.SEQUENTIAL, ReplayRun.Mode.OVERLAPPED)
                : List.of(ReplayRun.Mode.SEQUENTIAL, ReplayRun.Mode.OVERLAPPED);
        try (ReplayRun run = new ReplayRun(schedule, whole, perBucket, ReplayRun.SYSTEM, timeout)) {
            for (ReplayRun.Mode mode : modes) {
                double[] ms = run.run(mode, 2, steps);
                System.out.printf(Locale.ROOT, "REPLAY {\"model\":%s,\"wire\":\"%s\",\"mode\":\"%s\",\"rank\":%d,"
                        + "\"times_ms\":%s}%n", Json.line(schedule.model()), connections.wire.name(), mode.name(),
                        whole.rank(), java.util.Arrays.toString(ms));
                System.out.flush();
            }
        }
    }

    /** Times {@code reps} all-reduces of {@code n} floats after {@code warmup} untimed ones. */
    private static void measure(Collective collective, WireFormat wire, long n, int reps, int warmup, long computeMs)
            throws InterruptedException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(Math.toIntExact(n * Float.BYTES)).order(ByteOrder.nativeOrder());
        for (long i = 0; i < n; i++) {
            buffer.putFloat((int) (i * Float.BYTES), 1f);
        }
        FloatVector vector = new FloatVector(buffer);
        collective.allReduceGradient(vector, n);
        checkSum(buffer, n, collective.size());
        for (int i = 1; i < warmup; i++) {
            collective.allReduceGradient(vector, n);
        }
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        List<Double> times = new ArrayList<>();
        long cpuBefore = os.getProcessCpuTime();
        long[] machineBefore = machineTicks();
        long wallBefore = System.nanoTime();
        double inCollective = 0;
        for (int r = 0; r < reps; r++) {
            Thread.sleep(computeMs); // the step's compute, calibrated: see the class comment
            long t0 = System.nanoTime();
            collective.allReduceGradient(vector, n);
            double ms = (System.nanoTime() - t0) / 1e6;
            times.add(ms);
            inCollective += ms;
        }
        double cpuMs = (os.getProcessCpuTime() - cpuBefore) / 1e6;
        long[] machineAfter = machineTicks();
        // Cores the whole machine kept busy (anyone's work, the other ranks' and other users' included) over the
        // timed loop, sleeps included: a loaded machine slows the ranks without their own CPU time showing it.
        double machineBusy = (machineAfter[0] - machineBefore[0]) / (double) TICKS_PER_SECOND
                / ((System.nanoTime() - wallBefore) / 1e9);
        System.out.printf(Locale.ROOT, "RESULT {\"floats\":%d,\"wire\":\"%s\",\"rank\":%d,\"cpu_ms\":%.3f,"
                + "\"collective_ms\":%.3f,\"machine_busy_cores\":%.3f,\"times_ms\":%s}%n", n, wire.name(),
                collective.rank(), cpuMs, inCollective, machineBusy, times);
        System.out.flush();
    }

    /** After one all-reduce of all ones, every float is the rank count: a wrong sum fails the point, not the fit. */
    private static void checkSum(ByteBuffer buffer, long n, int size) {
        for (long i : new long[] {0, n / 2, n - 1}) {
            float value = buffer.getFloat((int) (i * Float.BYTES));
            if (value != size) {
                throw new IllegalStateException("all-reduce gave " + value + " at float " + i + " where " + size
                        + " was expected: the collective's sum is wrong");
            }
        }
    }

    /** USER_HZ: the unit of /proc/stat on Linux. */
    private static final int TICKS_PER_SECOND = 100;

    /** Busy ticks (all but idle and iowait) summed over the machine's CPUs, from /proc/stat's first line. */
    private static long[] machineTicks() {
        try {
            String[] f = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat")).get(0).trim()
                    .split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                if (i != 4 && i != 5) { // idle, iowait
                    busy += Long.parseLong(f[i]);
                }
            }
            return new long[] {busy};
        } catch (java.io.IOException | RuntimeException e) {
            return new long[] {0}; // no /proc/stat: the figure reads 0 and the report says "link" on our CPU alone
        }
    }
}

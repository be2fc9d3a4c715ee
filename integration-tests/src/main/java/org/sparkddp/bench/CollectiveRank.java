package org.sparkddp.bench;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.sparkddp.common.config.CollectiveKind;
import org.sparkddp.worker.collective.Collective;
import org.sparkddp.worker.collective.Collectives;
import org.sparkddp.worker.collective.FloatVector;
import org.sparkddp.worker.collective.RendezvousClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * One rank of the scaling benchmark, in its own JVM bound to its emulated host's address (see
 * {@link BoundSelectorProvider}). Connects through {@link Collectives#connect}, as a training task does, via the
 * benchmark's rendezvous on 127.0.0.1; then, for each vector size, runs warm-up all-reduces and times
 * {@code reps} more, each after a calibrated wait that stands in for a step's compute (a sleep: it holds no core,
 * so 16 ranks fit on 2). Prints one {@code RESULT} line per size with its times and the process's CPU time.
 *
 * <p>Usage: {@code CollectiveRank --rendezvous H:P --secret S --token T --rank R --size W --host 127.0.0.K
 * --kind ring|hierarchical|auto --floats N1,N2 --reps R1,R2 --warmup K1,K2 --compute-ms C --timeout-s S}
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
        RendezvousClient rendezvous = new RendezvousClient(a.rendezvous, a.secret, a.token, rank, size, timeout,
                () -> false);
        try (Collective collective = Collectives.connect(kind, rank, size, a.host, a.secret,
                rendezvous, timeout, () -> false)) {
            // Tells the benchmark which implementation answered the kind asked for (a build without hierarchical
            // answers it with the ring, and those points must not be labelled hierarchical).
            System.out.println("IMPLEMENTATION " + collective.getClass().getSimpleName());
            for (int s = 0; s < floats.length; s++) {
                measure(collective, floats[s], (int) reps[s], (int) warmup[s], computeMs);
            }
        }
    }

    /** Times {@code reps} all-reduces of {@code n} floats after {@code warmup} untimed ones. */
    private static void measure(Collective collective, long n, int reps, int warmup, long computeMs)
            throws InterruptedException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(Math.toIntExact(n * Float.BYTES)).order(ByteOrder.nativeOrder());
        for (long i = 0; i < n; i++) {
            buffer.putFloat((int) (i * Float.BYTES), 1f);
        }
        FloatVector vector = new FloatVector(buffer);
        collective.allReduce(vector);
        checkSum(buffer, n, collective.size());
        for (int i = 1; i < warmup; i++) {
            collective.allReduce(vector);
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
            collective.allReduce(vector);
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
        System.out.printf(Locale.ROOT, "RESULT {\"floats\":%d,\"rank\":%d,\"cpu_ms\":%.3f,\"collective_ms\":%.3f,"
                + "\"machine_busy_cores\":%.3f,\"times_ms\":%s}%n", n, collective.rank(), cpuMs, inCollective,
                machineBusy, times);
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

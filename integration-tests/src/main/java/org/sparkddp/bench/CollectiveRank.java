package org.sparkddp.bench;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparkddp.common.config.CollectiveKind;
import org.sparkddp.worker.collective.Collective;
import org.sparkddp.worker.collective.Collectives;
import org.sparkddp.worker.collective.FloatVector;
import org.sparkddp.worker.collective.RendezvousClient;

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

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i], args[i + 1]);
        }
        int rank = Integer.parseInt(a.get("--rank"));
        int size = Integer.parseInt(a.get("--size"));
        Duration timeout = Duration.ofSeconds(Long.parseLong(a.get("--timeout-s")));
        long[] floats = parseLongs(a.get("--floats"));
        long[] reps = parseLongs(a.get("--reps"));
        long[] warmup = parseLongs(a.get("--warmup"));
        long computeMs = Long.parseLong(a.get("--compute-ms"));
        CollectiveKind kind = CollectiveKind.valueOf(a.get("--kind").toUpperCase(Locale.ROOT));
        RendezvousClient rendezvous = new RendezvousClient(a.get("--rendezvous"), a.get("--secret"), a.get("--token"),
                rank, size, timeout, () -> false);
        try (Collective collective = Collectives.connect(kind, rank, size, a.get("--host"), a.get("--secret"),
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

    private static long[] parseLongs(String csv) {
        String[] parts = csv.split(",");
        long[] values = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            values[i] = Long.parseLong(parts[i].trim());
        }
        return values;
    }
}

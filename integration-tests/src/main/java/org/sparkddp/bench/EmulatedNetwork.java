package org.sparkddp.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A multi-host network emulated on the loopback device with {@code tc}: emulated host {@code h} is the address
 * {@link LinkSpec#address(int)}, and every packet it sends to another emulated host goes through its own htb
 * class (the host's link rate) and, when the kernel has netem, a netem qdisc (the link's latency). Runs in the
 * scaling benchmark's parent JVM, as root.
 *
 * <p>What is never shaped: anything from or to 127.0.0.1 (the machine's own services), and traffic between two
 * ranks of the same emulated host (it stays inside the host). The filters match an explicit (source, destination)
 * pair of two different emulated hosts and nothing else; everything else goes through htb's direct queue,
 * unshaped ({@code default 0}).
 *
 * <p>Lifecycle: {@link #install} removes a leftover of a killed run (recognized by its handle), refuses a root
 * qdisc on {@code lo} that it did not set, then sets up, and undoes its own partial setup when a step fails;
 * {@link #close} removes everything, and a shutdown hook does the same on an interrupt. {@code deploy/bench}
 * also traps the script's exit, for a JVM killed with SIGKILL.
 */
final class EmulatedNetwork implements AutoCloseable {
    /** Our root qdisc's handle on lo, so that a leftover is recognized as ours. */
    static final String HANDLE = "5dd";
    private static final long COMMAND_TIMEOUT_SECONDS = 20;

    /** Runs one command line and returns its exit code and output; bounded. */
    interface Shell {
        Outcome run(List<String> command) throws IOException;
    }

    record Outcome(int code, String output) {
    }

    private final Shell shell;
    private final boolean latency;
    private final Thread hook;
    private boolean closed;

    private EmulatedNetwork(Shell shell, boolean latency) {
        this.shell = shell;
        this.latency = latency;
        this.hook = new Thread(this::removeQuietly, "spark-ddp-bench-tc-cleanup");
    }

    /** True when the links have their latency (the kernel has netem); false when they are rate-limited only. */
    boolean hasLatency() {
        return latency;
    }

    /**
     * Sets up the links. When netem is missing from the kernel ({@code Specified qdisc kind is unknown}), sets the
     * links up again without latency and says so through {@link #hasLatency()}.
     */
    static EmulatedNetwork install(LinkSpec spec, Shell shell) throws IOException {
        removeLeftover(shell);
        try {
            runAll(shell, setupCommands(spec, spec.latencyUs() > 0));
            return registered(new EmulatedNetwork(shell, spec.latencyUs() > 0));
        } catch (NetemMissing e) {
            remove(shell);
            try {
                runAll(shell, setupCommands(spec, false));
            } catch (IOException | RuntimeException again) {
                remove(shell);
                throw again;
            }
            return registered(new EmulatedNetwork(shell, false));
        } catch (IOException | RuntimeException e) {
            remove(shell);
            throw e;
        }
    }

    private static EmulatedNetwork registered(EmulatedNetwork network) {
        Runtime.getRuntime().addShutdownHook(network.hook);
        return network;
    }

    /** The tc commands that set up {@code spec}'s links, in order. */
    static List<List<String>> setupCommands(LinkSpec spec, boolean latency) {
        List<List<String>> commands = new ArrayList<>();
        commands.add(tc("qdisc add dev lo root handle " + HANDLE + ": htb default 0"));
        String rate = String.format(Locale.ROOT, "%.0fmbit", spec.gbit() * 1000);
        for (int h = 0; h < spec.hosts(); h++) {
            // NOTE: lo's packets are up to 64 KB (GSO), so the burst and quantum must hold a few of them, or htb
            // would throttle below the rate.
            commands.add(tc("class add dev lo parent " + HANDLE + ": classid " + classId(h) + " htb rate " + rate
                    + " ceil " + rate + " burst 256k cburst 256k quantum 65536"));
            if (latency) {
                commands.add(tc("qdisc add dev lo parent " + classId(h) + " handle "
                        + Integer.toHexString(0x600 + h) + ": netem delay " + spec.latencyUs() + "us limit 100000"));
            }
        }
        for (int from = 0; from < spec.hosts(); from++) {
            for (int to = 0; to < spec.hosts(); to++) {
                if (from != to) {
                    commands.add(tc("filter add dev lo parent " + HANDLE + ": protocol ip prio 1 u32 match ip src "
                            + LinkSpec.address(from) + "/32 match ip dst " + LinkSpec.address(to) + "/32 flowid "
                            + classId(from)));
                }
            }
        }
        return commands;
    }

    /** htb class of emulated host {@code h}: tc reads the minor number in hexadecimal. */
    static String classId(int h) {
        return HANDLE + ":" + Integer.toHexString(0x100 + h);
    }

    static List<String> removeCommand() {
        return tc("qdisc del dev lo root handle " + HANDLE + ":");
    }

    static List<String> showQdiscCommand() {
        return tc("qdisc show dev lo");
    }

    static List<String> classStatsCommand() {
        return tc("-s class show dev lo");
    }

    /** Bytes each emulated host's class has sent so far, by host index. */
    Map<Integer, Long> sentBytes(int hosts) throws IOException {
        Outcome out = shell.run(classStatsCommand());
        if (out.code() != 0) {
            throw new IOException("tc -s class show dev lo failed: " + out.output().strip());
        }
        return parseSentBytes(out.output(), hosts);
    }

    static Map<Integer, Long> parseSentBytes(String stats, int hosts) {
        Map<Integer, Long> sent = new HashMap<>();
        String[] lines = stats.split("\n");
        for (int i = 0; i + 1 < lines.length; i++) {
            for (int h = 0; h < hosts; h++) {
                if (lines[i].startsWith("class htb " + classId(h) + " ")) {
                    String next = lines[i + 1].trim();
                    if (next.startsWith("Sent ")) {
                        sent.put(h, Long.parseLong(next.split("\\s+")[1]));
                    }
                }
            }
        }
        return sent;
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running or about to: it removes the setup itself.
        }
        remove(shell);
    }

    private synchronized void removeQuietly() {
        if (!closed) {
            closed = true;
            try {
                remove(shell);
            } catch (IOException | RuntimeException e) {
                System.err.println("bench scaling: could not remove the tc setup on lo (" + e.getMessage()
                        + "): remove it with: tc qdisc del dev lo root handle " + HANDLE + ":");
            }
        }
    }

    /** Removes our root qdisc from lo if it is there (classes, filters and netem go with it). */
    static void remove(Shell shell) throws IOException {
        if (ours(shell)) {
            Outcome out = shell.run(removeCommand());
            if (out.code() != 0) {
                throw new IOException("tc could not remove the setup on lo: " + out.output().strip()
                        + "; remove it with: tc qdisc del dev lo root handle " + HANDLE + ":");
            }
        }
    }

    private static boolean ours(Shell shell) throws IOException {
        return shell.run(showQdiscCommand()).output().contains("qdisc htb " + HANDLE + ": root");
    }

    /** A leftover of a killed run is removed; a root qdisc someone else set is left alone, and we stop. */
    private static void removeLeftover(Shell shell) throws IOException {
        remove(shell);
        String qdiscs = shell.run(showQdiscCommand()).output();
        for (String line : qdiscs.split("\n")) {
            if (line.contains(" root") && !line.startsWith("qdisc noqueue")) {
                throw new IOException("lo already has a root qdisc this benchmark did not set (" + line.trim()
                        + "): remove it first or run elsewhere");
            }
        }
    }

    private static final class NetemMissing extends IOException {
        NetemMissing(String message) {
            super(message);
        }
    }

    private static void runAll(Shell shell, List<List<String>> commands) throws IOException {
        for (List<String> command : commands) {
            Outcome out = shell.run(command);
            if (out.code() != 0) {
                if (command.contains("netem") && out.output().contains("qdisc kind is unknown")) {
                    throw new NetemMissing(out.output().strip());
                }
                throw new IOException("'" + String.join(" ", command) + "' failed: " + out.output().strip());
            }
        }
    }

    private static List<String> tc(String arguments) {
        List<String> command = new ArrayList<>(List.of("tc"));
        command.addAll(List.of(arguments.split(" ")));
        return command;
    }

    /** Runs tc for real, each call bounded. */
    static Shell system() {
        return command -> {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            try {
                if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new IOException("'" + String.join(" ", command) + "' did not finish within "
                            + COMMAND_TIMEOUT_SECONDS + " s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
                throw new IOException("interrupted while running " + String.join(" ", command), e);
            }
            return new Outcome(process.exitValue(), new String(process.getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8));
        };
    }
}

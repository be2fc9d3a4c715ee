package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An authenticated, encrypted standalone cluster ({@code deploy/local-cluster}: spark.authenticate=true and
 * spark.network.crypto.enabled=true, so the collective's frames are AES-GCM too) trains the same short job twice:
 * undisturbed, then while strangers hit every port the run's driver and executors listen on (the rendezvous, the
 * ranks' collective ports while they are open, Spark's RPC and block managers) with random bytes, forged
 * handshakes and silent connections. The two models must be bitwise equal, with no stage retry. Then every output
 * of both runs (their stdout and stderr, the driver's log file, the executors' logs, the output and checkpoint
 * directories) is searched for the cluster's spark.authenticate.secret and for the run's secret: both are 32
 * random bytes written as 64 hex digits, so no output may hold any run of 64 hex digits.
 */
@Tag("slow")
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class SecureClusterTest extends StandaloneClusterTest {
    /**
     * 64 hex digits standing as a token of their own (a secret's form): not a run of hex-like letters inside a longer
     * word, such as a base64 image in report.html, whose bytes vary with the run's timings.
     */
    private static final Pattern HEX_64 = Pattern.compile("(?<![0-9A-Za-z+/])[0-9a-fA-F]{64}(?![0-9A-Za-z+/=])");
    private static final List<String> JOB = List.of("training.epochs=1", "training.max-iterations=40",
            "training.batch-size=32", "training.iterations-per-stage=8", "training.mode=sync",
            "checkpoint.every-iterations=16", "spark.ui.enabled=false", "output.progress-every=0s");

    @Test
    void strangersAtEveryPortLeaveTheModelBitwiseUnchangedAndNoOutputHoldsASecret() throws Exception {
        Path defaults = cluster.state().resolve("spark-defaults.conf");
        String conf = Files.readString(defaults, StandardCharsets.UTF_8);
        assertTrue(conf.matches("(?s).*spark\\.authenticate\\s+true.*"), conf);
        assertTrue(conf.matches("(?s).*spark\\.network\\.crypto\\.enabled\\s+true.*"), conf);
        Matcher m = Pattern.compile("spark\\.authenticate\\.secret\\s+(\\S+)").matcher(conf);
        assertTrue(m.find(), "no spark.authenticate.secret in " + defaults);
        String sparkSecret = m.group(1);

        List<Path> earlierApps = applicationDirs(); // the shared cluster's earlier applications, other classes'
        ChildRun quiet = run("undisturbed");
        quiet.awaitSuccess(Duration.ofMinutes(4));

        ChildRun loud = run("disturbed");
        Strangers strangers = new Strangers(loud);
        Thread attacker = new Thread(strangers::attackUntilDone, "strangers");
        attacker.start();
        double seconds;
        try {
            seconds = loud.awaitSuccess(Duration.ofMinutes(4));
        } finally {
            strangers.stop();
            attacker.join(30_000);
        }
        System.out.printf("secure cluster: %d strangers at %d ports of the run (%s) in %.1f s%n",
                strangers.sent.get(), strangers.ports.size(), new TreeMap<>(strangers.kinds), seconds);
        assertTrue(strangers.sent.get() > 0, "no stranger reached a port of the run");

        JsonNode summary = ChildRun.summary(dir.resolve("disturbed-out"));
        assertEquals(0, summary.path("stage_retries").asInt(), "strangers disturbed a stage:\n" + loud.output());
        assertEquals(40, summary.path("iterations").asLong());
        float[][] expected = ChildRun.model(dir.resolve("undisturbed-out/model.zip"));
        float[][] actual = ChildRun.model(dir.resolve("disturbed-out/model.zip"));
        assertTrue(Arrays.equals(expected[0], actual[0]), "parameters differ from the undisturbed run's");
        assertTrue(Arrays.equals(expected[1], actual[1]), "optimizer state differs from the undisturbed run's");

        List<Path> outputs = new ArrayList<>();
        for (String name : List.of("undisturbed", "disturbed")) {
            outputs.addAll(List.of(dir.resolve(name + ".stdout"), dir.resolve(name + ".stderr"),
                    dir.resolve(name + "-driver.log"), dir.resolve(name + "-out"), dir.resolve(name + "-ckpt")));
        }
        List<Path> apps = new ArrayList<>(applicationDirs()); // the executors' stdout and stderr, of these two runs
        apps.removeAll(earlierApps);
        assertEquals(2, apps.stream().map(Path::getFileName).distinct().count(), "the two runs' executors: " + apps);
        outputs.addAll(apps);
        int files = 0;
        int jars = 0;
        // The driver's log file is made on its first line: the strangers' warnings make the disturbed run's.
        String driverLog = Files.readString(dir.resolve("disturbed-driver.log"), StandardCharsets.UTF_8);
        assertTrue(driverLog.contains("rendezvous: dropped a connection from /127.0.0.1:"), "no stranger reached the"
                + " rendezvous, or it was not logged:\n" + driverLog);
        outputs.removeIf(p -> p.equals(dir.resolve("undisturbed-driver.log")) && !Files.exists(p));
        for (Path root : outputs) {
            assertTrue(Files.exists(root), "missing output " + root);
            try (Stream<Path> all = Files.walk(root)) {
                for (Path f : (Iterable<Path>) all.filter(Files::isRegularFile)::iterator) {
                    if (isTheBuiltApplicationJar(f)) {
                        jars++;
                        continue;
                    }
                    files++;
                    String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                    assertTrue(!text.contains(sparkSecret), "spark.authenticate.secret is in " + f);
                    Matcher hex = HEX_64.matcher(text);
                    if (hex.find()) {
                        fail("64 hex digits (a secret's form) in " + f + ": ..." + text.substring(
                                Math.max(0, hex.start() - 60), Math.min(text.length(), hex.end() + 20)) + "...");
                    }
                }
            }
        }
        System.out.printf("secure cluster: %d output files searched, no secret in any; %d copies of the application"
                + " jar, each the build's%n", files, jars);
        System.out.printf("secure cluster: the driver logged %d dropped rendezvous connections%n",
                driverLog.split("rendezvous: dropped a connection", -1).length - 1);
    }

    /**
     * An executor's copy of the application jar, byte for byte the one the build made before this cluster and its
     * secret existed, so that it cannot hold either secret: compared, not read as text (reading its 165 MB in each
     * of the four executors' directories as text took most of this test JVM's 31 CPU-s, 9 without; 2026-12-08).
     */
    private static boolean isTheBuiltApplicationJar(Path f) throws IOException {
        return f.getFileName().equals(LocalCluster.APP_JAR.getFileName())
                && Files.mismatch(f, LocalCluster.APP_JAR) == -1;
    }

    /** The executors' working directories ({@code work/worker-N/app-ID}) of every application the cluster ran. */
    private List<Path> applicationDirs() throws IOException {
        try (Stream<Path> all = Files.walk(cluster.state().resolve("work"), 2)) {
            return all.filter(p -> p.getFileName().toString().startsWith("app-")).toList();
        }
    }

    private ChildRun run(String name) throws IOException {
        List<String> settings = new ArrayList<>(List.of("data.train=" + TestData.TRAIN, "data.test=" + TestData.TEST,
                "output.dir=" + dir.resolve(name + "-out"), "checkpoint.dir=" + dir.resolve(name + "-ckpt")));
        settings.addAll(JOB);
        return ChildRun.start(cluster.shortJobCommand(List.of("--driver-java-options",
                "-Dspark-ddp.log=" + dir.resolve(name + "-driver.log")), TestData.commandLine("train", settings)),
                dir, name);
    }

    /**
     * Connects, over and over while the run lasts, to every TCP port its driver and executors listen on, and
     * behaves as a stranger there: random bytes, a forged spark-ddp handshake, a wrong magic, or silence.
     */
    private final class Strangers {
        private final ChildRun run;
        private final AtomicBoolean done = new AtomicBoolean();
        private final AtomicLong sent = new AtomicLong();
        private final Set<Integer> ports = ConcurrentHashMap.newKeySet();
        private final Map<String, Integer> kinds = new ConcurrentHashMap<>();
        private final ExecutorService silent = Executors.newCachedThreadPool();
        private final Random random = new Random(30);

        Strangers(ChildRun run) {
            this.run = run;
        }

        void stop() {
            done.set(true);
            silent.shutdownNow();
        }

        void attackUntilDone() {
            while (!done.get() && run.process().isAlive()) {
                try {
                    for (int port : listening(processes())) {
                        ports.add(port);
                        attack(port);
                    }
                    Thread.sleep(100);
                } catch (IOException e) {
                    // a process ended between listing its sockets and reading them: the next round lists again
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private List<ProcessHandle> processes() throws IOException {
            // deploy/local-cluster submit execs the driver's JVM: the run's process is the driver.
            List<ProcessHandle> all = new ArrayList<>(run.process().toHandle().descendants().toList());
            all.add(run.process().toHandle());
            for (int w = 1; w <= cluster.workers(); w++) {
                all.addAll(cluster.executorsOf(w));
            }
            return all;
        }

        private void attack(int port) {
            String kind;
            byte[] bytes;
            switch (random.nextInt(4)) {
                case 0 -> {
                    kind = "random bytes";
                    bytes = new byte[1 + random.nextInt(300)];
                    random.nextBytes(bytes);
                }
                case 1 -> {
                    kind = "forged handshake";
                    byte[] noise = new byte[64];
                    random.nextBytes(noise);
                    bytes = ByteBuffer.allocate(12 + 5 + 64).putInt(0x53444448).put((byte) 1).put((byte) 1)
                            .putInt(random.nextInt(2)).putShort((short) 5).put("x 1.0".getBytes(StandardCharsets.UTF_8))
                            .put(noise).array();
                }
                case 2 -> {
                    kind = "wrong magic";
                    bytes = ByteBuffer.allocate(16).putInt(0x53444450).putInt(0).putInt(64).putInt(7).array();
                }
                default -> {
                    kind = "silence";
                    bytes = null;
                }
            }
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                sent.incrementAndGet();
                kinds.merge(kind, 1, Integer::sum);
                if (bytes == null) {
                    silent.execute(() -> {
                        try (s) {
                            Thread.sleep(3000);
                        } catch (IOException | InterruptedException e) {
                            // closed either way
                        }
                    });
                    return;
                }
                OutputStream out = s.getOutputStream();
                out.write(bytes);
                out.flush();
                s.close();
            } catch (IOException | java.util.concurrent.RejectedExecutionException e) {
                closeQuietly(s); // the port closed (a ring set up, a process ended), or the peer dropped us
            }
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // best effort
        }
    }

    /** The loopback TCP ports these processes listen on (Linux /proc). */
    static Set<Integer> listening(List<ProcessHandle> processes) throws IOException {
        Set<String> inodes = new HashSet<>();
        for (ProcessHandle p : processes) {
            Path fds = Path.of("/proc", String.valueOf(p.pid()), "fd");
            if (!Files.isDirectory(fds)) {
                continue;
            }
            try (Stream<Path> list = Files.list(fds)) {
                for (Path fd : (Iterable<Path>) list::iterator) {
                    try {
                        String target = Files.readSymbolicLink(fd).toString();
                        if (target.startsWith("socket:[")) {
                            inodes.add(target.substring("socket:[".length(), target.length() - 1));
                        }
                    } catch (IOException e) {
                        // closed while listing
                    }
                }
            }
        }
        Set<Integer> ports = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+"); // local_address rem_address st ... inode (field 9)
                if (f[3].equals("0A") && inodes.contains(f[9])) {
                    ports.add(Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16));
                }
            }
        }
        return ports;
    }
}

package org.sparkddp.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.sparkddp.bench.AllReduceCost.Algorithm;
import org.sparkddp.bench.AllReduceCost.Fit;
import org.sparkddp.bench.AllReduceCost.Point;

/**
 * The scaling benchmark's pieces that need neither root nor tc: the cost model's fit, the tc commands it would
 * run, and the cleanup of the tc setup on every way out. tc itself is replaced by a fake that keeps the state of
 * lo's root qdisc.
 */
class ScalingPiecesTest {
    private static final int CORES = 2;

    @Test
    void fitRecoversTheConstantsOfSyntheticPoints() {
        Fit truth = new Fit(50e-6, 4e-6, 8e-9, 1.5e-9);
        List<Point> points = new ArrayList<>();
        for (Algorithm a : Algorithm.values()) {
            for (int ranks : new int[] {2, 4, 8, 16}) {
                for (int perHost : new int[] {1, 2, 4}) {
                    if (perHost > ranks) {
                        continue;
                    }
                    for (long n : new long[] {1_000_000, 10_000_000, 100_000_000}) {
                        int hosts = ranks / perHost;
                        points.add(new Point(a, ranks, hosts, n,
                                truth.predict(a, ranks, hosts, n, AllReduceCost.cpuShare(ranks, CORES))));
                    }
                }
            }
        }
        Fit fit = AllReduceCost.fit(points, CORES);
        assertEquals(truth.alphaLink(), fit.alphaLink(), 1e-6 * truth.alphaLink(), "alpha");
        assertEquals(truth.alphaLocal(), fit.alphaLocal(), 1e-6 * truth.alphaLocal(), "alpha_local");
        assertEquals(truth.beta(), fit.beta(), 1e-6 * truth.beta(), "beta");
        assertEquals(truth.gamma(), fit.gamma(), 1e-6 * truth.gamma(), "gamma");
    }

    @Test
    void fitOfRingOnlyPointsRecoversAlphaAndBetaAndLeavesNothingUnexplained() {
        // Ring points on several hosts only: no hop inside a host, so alpha_local is unknowable and reported as 0.
        Fit truth = new Fit(120e-6, 0, 8e-9, 0.7e-9);
        List<Point> points = new ArrayList<>();
        for (int ranks : new int[] {2, 4, 8, 16}) {
            for (int perHost : new int[] {1, 2}) {
                // NOTE: small vectors too: at 1M floats and up the hops' latency is under 1% of the time, and 1%
                // noise alone would hide alpha (the benchmark has the same limit: its alpha is loose).
                for (long n : new long[] {10_000, 100_000, 1_000_000, 10_000_000}) {
                    if (ranks / perHost > 1) {
                        int hosts = ranks / perHost;
                        // 1% noise, alternating: the fit must still land near the truth
                        double noise = points.size() % 2 == 0 ? 1.01 : 0.99;
                        points.add(new Point(Algorithm.RING, ranks, hosts, n, noise * truth.predict(Algorithm.RING,
                                ranks, hosts, n, AllReduceCost.cpuShare(ranks, CORES))));
                    }
                }
            }
        }
        Fit fit = AllReduceCost.fit(points, CORES);
        assertEquals(truth.alphaLink(), fit.alphaLink(), 0.1 * truth.alphaLink(), "alpha");
        assertEquals(truth.beta(), fit.beta(), 0.05 * truth.beta(), "beta");
        assertEquals(0, fit.alphaLocal(), "no local hop was measured");
    }

    @Test
    void ringFeaturesCountTheFlowsSharingAHostsLink() {
        long n = 1_000_000;
        double s = 4.0 * n;
        double[] alone = AllReduceCost.features(Algorithm.RING, 8, 8, n, 1);
        double[] shared = AllReduceCost.features(Algorithm.RING, 16, 8, n, 1);
        assertEquals(2 * 7, alone[0]);
        assertEquals(2.0 * 7 / 8 * s, alone[2], 1e-6);
        assertEquals(2.0 * 15 / 16 * s * 2, shared[2], 1e-6, "two ranks per host: two flows on its link");
        double[] hierarchical = AllReduceCost.features(Algorithm.HIERARCHICAL, 16, 8, n, 1);
        assertEquals(2 * 7, hierarchical[0], "only the 8 leaders' ring crosses hosts");
        assertEquals(2.0 * 7 / 8 * s, hierarchical[2], 1e-6, "one flow per link");
        assertEquals(2.0 / 2 * s + 2.0 * 7 / 8 * s / 2, hierarchical[3], 1e-6, "the torus: no rank carries its host");
        double[] leaders = AllReduceCost.features(Algorithm.HIERARCHICAL, 12, 8, n, 1);
        assertEquals(2.0 * s + 2.0 * 7 / 8 * s, leaders[3], 1e-6, "unequal hosts: the leader carries its host");
    }

    @Test
    void tcFiltersMatchOnlyPairsOfDistinctEmulatedHostsNeverLoopbackItself() {
        LinkSpec spec = new LinkSpec(10, 50, LinkSpec.MAX_HOSTS);
        List<List<String>> commands = EmulatedNetwork.setupCommands(spec, true);
        List<List<String>> filters = commands.stream().filter(c -> c.get(1).equals("filter")).toList();
        assertEquals(LinkSpec.MAX_HOSTS * (LinkSpec.MAX_HOSTS - 1), filters.size(), "one filter per ordered pair");
        for (List<String> command : commands) {
            String line = String.join(" ", command);
            assertFalse(line.contains("127.0.0.1/") || line.contains("127.0.0.1 "), "touches 127.0.0.1: " + line);
            assertFalse(line.contains("/8") || line.contains("/0") || line.contains("/24"), "a range: " + line);
            assertTrue(line.startsWith("tc ") && line.contains(" dev lo "), "not on lo: " + line);
        }
        for (List<String> filter : filters) {
            String src = filter.get(filter.indexOf("src") + 1);
            String dst = filter.get(filter.indexOf("dst") + 1);
            assertTrue(src.endsWith("/32") && dst.endsWith("/32"), String.join(" ", filter));
            assertNotEquals(src, dst, "traffic inside one host is never shaped");
            int host = Integer.parseInt(src.substring("127.0.0.".length(), src.length() - 3)) - 2;
            assertEquals(EmulatedNetwork.classId(host), filter.get(filter.size() - 1), "classified by its source");
        }
        assertTrue(commands.get(0).containsAll(List.of("root", "handle", "5dd:", "htb", "default", "0")),
                "unclassified traffic (127.0.0.1's) goes through htb's direct queue: " + commands.get(0));
        long netem = commands.stream().filter(c -> c.contains("netem")).count();
        assertEquals(LinkSpec.MAX_HOSTS, netem);
        assertTrue(commands.stream().filter(c -> c.contains("netem")).allMatch(c -> c.contains("50us")));
        assertTrue(commands.stream().noneMatch(c -> c.contains("netem") && !c.get(c.indexOf("parent") + 1)
                .startsWith("5dd:")), "netem hangs under a host's class");
        assertEquals(0, EmulatedNetwork.setupCommands(spec, false).stream().filter(c -> c.contains("netem")).count());
    }

    @Test
    void emulatedHostAddressesStayInLoopbackAndNeverAreItsFirstAddress() {
        for (int h = 0; h < LinkSpec.MAX_HOSTS; h++) {
            String address = LinkSpec.address(h);
            assertTrue(address.startsWith("127.0.0.") && !address.equals("127.0.0.1"), address);
        }
        assertThrows(IllegalArgumentException.class, () -> LinkSpec.address(LinkSpec.MAX_HOSTS));
        assertThrows(IllegalArgumentException.class, () -> new LinkSpec(0, 50, 4));
        assertThrows(IllegalArgumentException.class, () -> new LinkSpec(1, -1, 4));
    }

    @Test
    void setupThatFailsHalfWayIsRemoved() {
        FakeTc tc = new FakeTc(c -> c.contains("filter") && c.contains("127.0.0.4/32"));
        IOException e = assertThrows(IOException.class, () -> EmulatedNetwork.install(new LinkSpec(1, 50, 4), tc));
        assertTrue(e.getMessage().contains("failed"), e.getMessage());
        assertFalse(tc.ours, "the partial setup is left on lo");
        assertTrue(tc.removals > 0);
    }

    @Test
    void closeRemovesTheSetupAndLeftoversOfAKilledRunAreRemovedFirst() throws IOException {
        FakeTc tc = new FakeTc(c -> false);
        tc.ours = true; // a killed run left its setup
        EmulatedNetwork network = EmulatedNetwork.install(new LinkSpec(1, 50, 3), tc);
        assertEquals(1, tc.removals, "the leftover was removed before the new setup");
        assertTrue(tc.ours);
        assertTrue(network.hasLatency());
        network.close();
        assertFalse(tc.ours);
        network.close(); // idempotent
        assertEquals(2, tc.removals);
    }

    @Test
    void withoutNetemTheLinksAreSetUpRateOnlyAndSaySo() throws IOException {
        FakeTc tc = new FakeTc(c -> c.contains("netem"));
        tc.failure = "Error: Specified qdisc kind is unknown.";
        try (EmulatedNetwork network = EmulatedNetwork.install(new LinkSpec(1, 50, 3), tc)) {
            assertFalse(network.hasLatency());
            assertTrue(tc.ours);
        }
        assertFalse(tc.ours);
    }

    @Test
    void aRootQdiscSomeoneElseSetIsLeftAlone() {
        FakeTc tc = new FakeTc(c -> false);
        tc.foreign = "qdisc fq_codel 8001: root refcnt 2";
        IOException e = assertThrows(IOException.class, () -> EmulatedNetwork.install(new LinkSpec(1, 50, 3), tc));
        assertTrue(e.getMessage().contains("did not set"), e.getMessage());
        assertEquals(0, tc.removals);
        assertEquals(0, tc.adds);
    }

    @Test
    void sentBytesAreReadPerHostClass() {
        String stats = """
                class htb 5dd:100 root prio 0 rate 1Gbit ceil 1Gbit burst 256Kb cburst 256Kb
                 Sent 314890466 bytes 4813 pkt (dropped 0, overlimits 2447 requeues 0)
                 backlog 0b 0p requeues 0
                class htb 5dd:101 root prio 0 rate 1Gbit ceil 1Gbit burst 256Kb cburst 256Kb
                 Sent 144086 bytes 2183 pkt (dropped 0, overlimits 0 requeues 0)
                """;
        var sent = EmulatedNetwork.parseSentBytes(stats, 3);
        assertEquals(314890466L, sent.get(0));
        assertEquals(144086L, sent.get(1));
        assertFalse(sent.containsKey(2));
    }

    /** tc as a state machine over lo's root qdisc; fails the commands {@code fails} picks. */
    private static final class FakeTc implements EmulatedNetwork.Shell {
        final Predicate<List<String>> fails;
        boolean ours;
        String foreign;
        String failure = "RTNETLINK answers: Invalid argument";
        int removals;
        int adds;

        FakeTc(Predicate<List<String>> fails) {
            this.fails = fails;
        }

        @Override
        public EmulatedNetwork.Outcome run(List<String> command) {
            String line = String.join(" ", command);
            if (line.equals("tc qdisc show dev lo")) {
                return new EmulatedNetwork.Outcome(0, ours ? "qdisc htb 5dd: root refcnt 2 r2q 10 default 0\n"
                        : foreign != null ? foreign + "\n" : "qdisc noqueue 0: root refcnt 2\n");
            }
            if (line.equals("tc qdisc del dev lo root handle 5dd:")) {
                removals++;
                ours = false;
                return new EmulatedNetwork.Outcome(0, "");
            }
            if (fails.test(command)) {
                return new EmulatedNetwork.Outcome(2, failure);
            }
            adds++;
            if (line.startsWith("tc qdisc add dev lo root handle 5dd:")) {
                ours = true;
            }
            return new EmulatedNetwork.Outcome(0, "");
        }
    }
}

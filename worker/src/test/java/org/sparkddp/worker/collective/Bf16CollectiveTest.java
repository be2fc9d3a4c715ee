package org.sparkddp.worker.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparkddp.common.config.CollectiveKind;
import org.sparkddp.common.config.WireFormat;

/**
 * {@code training.wire = bf16} over real loopback sockets, against a plain reference computed here: each ring member
 * (a rank of the flat ring, or a host's or JVM's leader with its group's fp32 sum in rank order) sends
 * {@code bf16(g + e)} and keeps its residual, each chunk is summed around the ring from the member after its owner,
 * rounded to bf16 at every hop and at the end. Several calls in a row, so the residuals carry over. Every rank must
 * get the reference's bits, so the replicas stay identical; the floats past the gradient (the loss, the stop flag)
 * and every call that is not a gradient's cross exactly.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class Bf16CollectiveTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** Small pieces, so that every chunk crosses in several, some straddling the gradient's end. */
    private static final Pieces.Sizes PIECES = new Pieces.Sizes(97, 64);
    private static final int CALLS = 5;

    @RegisterExtension
    final RankThreads threads = new RankThreads();
    private final ExecutorService pool = threads.pool;

    @ParameterizedTest(name = "{0}, hosts {1}, JVMs {2}, {3} floats")
    @CsvSource({
        // collective; each rank's host (127.0.0.x) and JVM; the vector's length (its last 2 floats are scalars)
        "RING,          1 1,       a b,       1001",
        "RING,          1 1 1,     a b c,     1001",
        "RING,          1 1 1,     a b c,     5",     // fewer floats than ranks plus scalars: empty chunks
        "HIERARCHICAL,  1 2 1 2,   a b c d,   1001",  // 2 hosts x 2 ranks: the torus
        "HIERARCHICAL,  1 2 1 2 1 2, a b c d e f, 1001", // 2 x 3
        "HIERARCHICAL,  1 2 3 1 2 3, a b c d e f, 1001", // 3 x 2
        "HIERARCHICAL,  1 2 1 2 1 2, a b c d e f, 5",    // fewer floats than ranks: empty chunks
        "HIERARCHICAL,  1 2 1,     a b c,     1001",  // unequal hosts: the leaders' scheme
        "AUTO,          1 1 1,     a a b,     1001",  // two JVMs, one running two ranks: a level per JVM
        "AUTO,          1 2 1 2,   a b a b,   1001",  // two JVMs of two ranks each: the torus over JVMs
        "AUTO,          1 1 1 1 1 1, a a b b c c, 1001", // three JVMs of two
    })
    void gradientsSumAsTheReferenceBitForBitOnEveryRank(CollectiveKind kind, String hostList, String jvmList, int n)
            throws Exception {
        String[] hosts = hostList.split(" ");
        String[] jvms = jvmList.split(" ");
        int size = hosts.length;
        long gradient = n - 2;
        List<Collective> ranks = connect(kind, size, r -> "127.0.0." + hosts[r], r -> jvms[r], WireFormat.BF16);
        for (Collective c : ranks) {
            assertEquals(WireFormat.BF16, c.gradientWire(), "rank " + c.rank());
        }
        // The groups whose leaders form the ring: hosts for the hierarchical collective, JVMs for the JVM level,
        // every rank its own for the flat ring.
        String[] groupOf = kind == CollectiveKind.HIERARCHICAL ? hosts
                : kind == CollectiveKind.AUTO ? jvms : java.util.stream.IntStream.range(0, size)
                        .mapToObj(Integer::toString).toArray(String[]::new);
        HostGroups groups = HostGroups.of(groupOf);
        boolean torus = kind != CollectiveKind.RING && TorusCollective.fits(groups);
        assertEquals(torus, ranks.get(0) instanceof TorusCollective, "the torus exactly where groups are equal");
        Reference reference = new Reference(groups, torus, kind == CollectiveKind.AUTO, n, gradient);
        SplittableRandom random = new SplittableRandom(n * 31L + size);
        for (int call = 0; call < CALLS; call++) {
            float[][] inputs = randoms(random, size, n);
            boolean allReduce = call % 2 == 0;
            float[] expected = reference.sum(inputs);
            List<float[]> results = onEveryRank(ranks, inputs, (c, v) -> {
                if (allReduce) {
                    c.allReduceGradient(v, gradient);
                } else {
                    c.reduceScatterGradient(v, gradient);
                }
            });
            for (int r = 0; r < size; r++) {
                int from = allReduce ? 0 : (int) ranks.get(r).ownedFrom(n);
                int to = allReduce ? n : (int) ranks.get(r).ownedTo(n);
                for (int i = from; i < to; i++) {
                    Bf16Test.assertSameFloat(expected[i], results.get(r)[i], (allReduce ? "all-reduce" : "reduce-scatter")
                            + " " + call + ", rank " + r + ", float " + i);
                }
            }
            if (allReduce) {
                for (int r = 1; r < size; r++) {
                    assertTrue(Arrays.equals(results.get(0), results.get(r)), "rank " + r + "'s replica differs");
                }
            }
        }
        assertParametersCrossExactly(ranks, n);
    }

    @Test
    void whereNoRingCrossesASocketGradientsSumInFp32() throws Exception {
        int n = 1001;
        // Every rank in one JVM: the in-memory collective. One host: the hierarchical collective has no leaders' ring.
        List<Collective> inMemory = connect(CollectiveKind.AUTO, 3, r -> "127.0.0.1", r -> "one", WireFormat.BF16);
        List<Collective> oneHost = connect(CollectiveKind.HIERARCHICAL, 3, r -> "127.0.0.1", r -> "jvm-" + r,
                WireFormat.BF16);
        for (List<Collective> ranks : List.of(inMemory, oneHost)) {
            assertEquals(WireFormat.FP32, ranks.get(0).gradientWire(), ranks.get(0).getClass().getSimpleName());
            float[][] inputs = randoms(new SplittableRandom(3), 3, n);
            List<float[]> plain = onEveryRank(ranks, inputs, Collective::allReduce);
            List<float[]> asGradient = onEveryRank(ranks, inputs, (c, v) -> c.allReduceGradient(v, n - 2));
            for (int r = 0; r < 3; r++) {
                assertTrue(Arrays.equals(plain.get(r), asGradient.get(r)), "rank " + r + ": a gradient was rounded");
            }
        }
    }

    /** Sums that fp32 holds exactly, but bf16 would not: any rounding of a non-gradient call would show. */
    private void assertParametersCrossExactly(List<Collective> ranks, int n) throws Exception {
        float[][] inputs = new float[ranks.size()][n];
        float[] exact = new float[n];
        for (int r = 0; r < ranks.size(); r++) {
            for (int i = 0; i < n; i++) {
                inputs[r][i] = 1001 + 7 * r + i;
                exact[i] += inputs[r][i];
            }
        }
        for (float[] result : onEveryRank(ranks, inputs, Collective::allReduce)) {
            assertTrue(Arrays.equals(exact, result), "an all-reduce of parameters was rounded");
        }
        List<float[]> gathered = onEveryRank(ranks, inputs, Collective::allGather);
        for (int r = 0; r < ranks.size(); r++) {
            for (int owner = 0; owner < ranks.size(); owner++) {
                for (long i = ranks.get(owner).ownedFrom(n); i < ranks.get(owner).ownedTo(n); i++) {
                    assertEquals(inputs[owner][(int) i], gathered.get(r)[(int) i], 0f, "all-gather, float " + i);
                }
            }
        }
    }

    /**
     * The reference, in plain loops: per ring member its residual; per call each member's corrected contribution,
     * then each chunk summed from the member after its owner around to the owner, rounded at every hop.
     *
     * <p>Ring members are the groups' leaders ({@code torus} false: a group sums its ranks in ascending order, and
     * the ring's chunks are weighted by group size) or, in {@link TorusCollective}'s order ({@code torus} true), every
     * host's ranks of one local index: a float of global chunk {@code L H + c} (of W equal chunks) is summed on each
     * host from local index {@code L} around the host, then across hosts from host {@code c} around to host
     * {@code c - 1}. A residual per member and float (in the torus, one rank of each host holds each float's).
     */
    static final class Reference {
        private final HostGroups groups;
        private final boolean torus;
        private final int n;
        private final long gradient;
        private final float[][] residuals;
        private final Chunks chunks;
        /** Whether a group sums in rank order (shared memory, the leaders) rather than around the host's ring. */
        private final boolean rankOrder;

        Reference(HostGroups groups, boolean torus, int n, long gradient) {
            this(groups, torus, !torus, n, gradient);
        }

        /** @param inMemory groups are JVMs, which sum in rank order, whether torus or leaders */
        Reference(HostGroups groups, boolean torus, boolean inMemory, int n, long gradient) {
            this.groups = groups;
            this.torus = torus;
            this.rankOrder = inMemory || !torus;
            this.n = n;
            this.gradient = gradient;
            this.residuals = new float[groups.hosts()][n];
            this.chunks = torus ? Chunks.equal(groups.size()) : new Chunks(GroupedOwnership.ringWeights(groups));
        }

        float[] sum(float[][] inputs) {
            int members = groups.hosts();
            float[][] sent = new float[members][n];
            for (int m = 0; m < members; m++) {
                int[] ranks = groups.ranksOn(m);
                for (int i = 0; i < n; i++) {
                    // The torus sums a host from the local index whose chunk holds float i; memory and leaders from
                    // the first.
                    int first = rankOrder ? 0 : chunkOf(i) / members;
                    float groupSum = inputs[ranks[first]][i];
                    for (int j = 1; j < ranks.length; j++) {
                        groupSum += inputs[ranks[(first + j) % ranks.length]][i];
                    }
                    if (i < gradient) {
                        float corrected = groupSum + residuals[m][i];
                        sent[m][i] = Bf16Test.reference(corrected);
                        residuals[m][i] = corrected - sent[m][i];
                    } else {
                        sent[m][i] = groupSum;
                    }
                }
            }
            float[] result = new float[n];
            for (int k = 0; k < n; k++) {
                // Float k's chunk starts at member c and ends at member c - 1, which owns it.
                int c = torus ? chunkOf(k) % members : chunkOf(k);
                float partial = sent[c][k];
                for (int hop = 1; hop < members; hop++) {
                    float received = k < gradient ? Bf16Test.reference(partial) : partial;
                    partial = sent[(c + hop) % members][k] + received;
                }
                result[k] = k < gradient && members > 1 ? Bf16Test.reference(partial) : partial;
            }
            return result;
        }

        private int chunkOf(int i) {
            for (int c = 0; ; c++) {
                if (i < chunks.end(n, c)) {
                    return c;
                }
            }
        }
    }

    private static float[][] randoms(SplittableRandom random, int size, int n) {
        float[][] inputs = new float[size][n];
        for (float[] input : inputs) {
            for (int i = 0; i < n; i++) {
                // Mixed magnitudes, so that orders and roundings show in the bits.
                input[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(7) - 3));
            }
        }
        return inputs;
    }

    /** One collective call, as each rank makes it on its own vector. */
    interface Call {
        void run(Collective collective, FloatVector vector);
    }

    private List<float[]> onEveryRank(List<Collective> ranks, float[][] inputs, Call call) throws Exception {
        return onEveryRank(pool, ranks, inputs, call);
    }

    /** Each rank's call on its own thread of {@code pool}, on a vector holding its input; each rank's result. */
    static List<float[]> onEveryRank(ExecutorService pool, List<Collective> ranks, float[][] inputs, Call call)
            throws Exception {
        return EveryRank.run(pool, ranks.size(), r -> {
            FloatVector v = Bf16Test.vector(inputs[r]);
            call.run(ranks.get(r), v);
            return Bf16Test.read(v, inputs[r].length);
        });
    }

    private List<Collective> connect(CollectiveKind kind, int size, IntFunction<String> host, IntFunction<String> jvm,
                                     WireFormat wire) throws Exception {
        return threads.connect(kind, size, host, jvm, PIECES, wire, TIMEOUT);
    }
}

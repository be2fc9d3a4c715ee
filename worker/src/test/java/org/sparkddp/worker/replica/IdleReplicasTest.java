package org.sparkddp.worker.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.deeplearning4j.nn.api.Model;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkddp.common.model.SlicedOptimizer;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.worker.replica.IdleReplicas.Replica;

/** Evicted replicas are closed at once, exactly once, and never while a task holds them. */
class IdleReplicasTest {
    /** A replica that counts its closes and knows whether a task is using it. */
    private static final class Counting implements TrainableNetwork {
        final AtomicInteger closes = new AtomicInteger();
        volatile boolean inUse;
        volatile boolean closedInUse;

        @Override
        public void close() {
            if (inUse) {
                closedInUse = true;
            }
            closes.incrementAndGet();
        }

        @Override
        public INDArray params() {
            throw new UnsupportedOperationException();
        }

        @Override
        public INDArray gradients() {
            throw new UnsupportedOperationException();
        }

        @Override
        public INDArray updaterState() {
            throw new UnsupportedOperationException();
        }

        @Override
        public double computeGradient(DataSet batch) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<int[]> runningStatistics() {
            return List.of();
        }

        @Override
        public void clearGradient() {
        }

        @Override
        public void step(long iteration, int epoch, int batchSize) {
        }

        @Override
        public Optional<SlicedOptimizer> slicedOptimizer(int from, int to) {
            return Optional.empty();
        }

        @Override
        public INDArray output(INDArray features) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setCounters(long iteration, int epoch) {
        }

        @Override
        public Model dl4jModel() {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void theLeastRecentlyUsedRunsReplicasAreClosedWhenARunTooManyGivesOneBack() {
        IdleReplicas idle = new IdleReplicas(2);
        Counting a1 = new Counting();
        Counting a2 = new Counting();
        Counting b = new Counting();
        Counting c = new Counting();
        idle.giveBack("a", new Replica(a1, 7));
        idle.giveBack("a", new Replica(a2, IdleReplicas.UNTAGGED));
        idle.giveBack("b", new Replica(b, 7));
        assertEquals(0, a1.closes.get() + a2.closes.get() + b.closes.get(), "two runs are kept");

        idle.giveBack("c", new Replica(c, 7));
        assertEquals(1, a1.closes.get(), "run a is the least recently used: its replicas are closed");
        assertEquals(1, a2.closes.get());
        assertEquals(0, b.closes.get());
        assertEquals(0, c.closes.get());
        assertNull(idle.take("a", 7), "an evicted run has no idle replica");
        assertSame(b, idle.take("b", 7).network());
    }

    @Test
    void aReplicaATaskHoldsIsNeverClosedByEvictionAndComesBackAsTheMostRecentRun() {
        IdleReplicas idle = new IdleReplicas(1);
        Counting lent = new Counting();
        Counting other = new Counting();
        idle.giveBack("a", new Replica(lent, 3));
        Replica taken = idle.take("a", 3);
        assertSame(lent, taken.network(), "the replica tagged with the state asked for");
        idle.giveBack("b", new Replica(other, 3)); // run a is evicted while its replica is out
        assertEquals(0, lent.closes.get(), "a lent replica is not in the store, so not closed");

        idle.giveBack("a", taken);
        assertEquals(1, other.closes.get(), "run a is the most recent again: b's replica goes");
        assertEquals(0, lent.closes.get());
        assertSame(lent, idle.take("a", IdleReplicas.UNTAGGED).network());
    }

    /** Tasks of more runs than are kept borrow and give back at once: no replica is closed under its task. */
    @Test
    void concurrentTasksOfManyRunsNeverHaveTheirReplicaClosedUnderThem() throws Exception {
        IdleReplicas idle = new IdleReplicas(2);
        List<Counting> built = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService tasks = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                done.add(tasks.submit(() -> {
                    for (int i = 0; i < 2000; i++) {
                        String run = "run-" + ((thread + i) % 5);
                        Replica replica = idle.take(run, i % 3);
                        if (replica == null) {
                            Counting fresh = new Counting();
                            built.add(fresh);
                            replica = new Replica(fresh, IdleReplicas.UNTAGGED);
                        }
                        Counting network = (Counting) replica.network();
                        assertEquals(0, network.closes.get(), "a closed replica was lent");
                        network.inUse = true;
                        Thread.yield();
                        network.inUse = false;
                        idle.giveBack(run, new Replica(network, i % 3));
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            tasks.shutdownNow();
        }
        assertTrue(built.size() > 5, "runs were evicted and rebuilt: " + built.size() + " replicas built");
        long closed = built.stream().filter(n -> n.closes.get() > 0).count();
        assertTrue(closed > 0, "evicted replicas were closed");
        for (Counting network : built) {
            assertTrue(network.closes.get() <= 1, "closed " + network.closes.get() + " times");
            assertTrue(!network.closedInUse, "closed while a task used it");
        }
        // What is still idle is all that is not closed: nothing is lost to the GC unclosed.
        int idleLeft = 0;
        for (int r = 0; r < 5; r++) {
            while (idle.take("run-" + r, IdleReplicas.UNTAGGED) != null) {
                idleLeft++;
            }
        }
        assertEquals(built.size() - closed, idleLeft);
    }
}

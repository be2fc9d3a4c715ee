package org.sparkddp.worker.collective;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The barrier between the ranks of one JVM-local group ({@link InMemoryCollective}): every wait is bounded by a
 * {@link Deadline} and polls the task's cancelled flag at least once a second, and the first rank that fails,
 * times out or leaves fails every other rank's wait at once with one line naming it. Runs on executors.
 *
 * <p>NOTE: unlike {@link java.util.concurrent.CyclicBarrier}, a rank that sees its own deadline pass does not break
 * the barrier by itself being slow to notice: a rank whose wait has already been released (every rank arrived)
 * returns normally even if another rank fails or leaves afterwards, so that a rank closing after the last call
 * never fails a peer that is still returning from that call.
 */
final class LocalBarrier {
    /** Spins before parking: the other ranks usually arrive within microseconds of each other. */
    private static final int SPINS = 2_000;

    private final int parties;
    private final int[] ranks;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition advanced = lock.newCondition();
    /** How many times each party has arrived: the ones behind the waiting rank are the ones it waits for. */
    private final long[] arrivals;
    private int arrived;
    private volatile long generation;
    private volatile String failure;

    /** @param ranks the stage rank of each party, for messages; party {@code i} is {@code ranks[i]} */
    LocalBarrier(int[] ranks) {
        this.parties = ranks.length;
        this.ranks = ranks.clone();
        this.arrivals = new long[parties];
    }

    /**
     * Arrives as party {@code party} and waits until every party has arrived.
     *
     * @throws PeerFailureException if another party failed or left, the deadline passed, or the task was cancelled
     */
    void await(int party, String phase, Deadline deadline) {
        long gen;
        lock.lock();
        try {
            failIfFailed(party);
            gen = generation;
            arrivals[party]++;
            if (++arrived == parties) {
                arrived = 0;
                generation = gen + 1;
                advanced.signalAll();
                return;
            }
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < SPINS && generation == gen; i++) {
            Thread.onSpinWait();
        }
        if (generation != gen) {
            return;
        }
        lock.lock();
        try {
            while (generation == gen) {
                failIfFailed(party);
                if (deadline.passed()) {
                    throw fail("rank " + ranks[party] + ": timed out after " + deadline.timeout() + " waiting for "
                            + behind(party) + " of this JVM during " + phase);
                }
                if (deadline.cancelled()) {
                    throw fail("rank " + ranks[party] + ": task cancelled during " + phase);
                }
                advanced.await(deadline.sliceMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw fail("rank " + ranks[party] + ": interrupted during " + phase);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Fails the group with {@code why} (the first failure wins), waking every waiting party; returns the exception
     * for the caller to throw.
     */
    PeerFailureException fail(String why) {
        lock.lock();
        try {
            if (failure == null) {
                failure = why;
            }
            advanced.signalAll();
        } finally {
            lock.unlock();
        }
        return new PeerFailureException(why);
    }

    /** Party {@code party} leaves the group: a later wait of any other party fails at once, naming it. */
    void leave(int party, String why) {
        lock.lock();
        try {
            if (failure == null) {
                failure = "rank " + ranks[party] + " " + why;
            }
            advanced.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Called with the lock held. */
    private void failIfFailed(int party) {
        String why = failure;
        if (why != null) {
            throw new PeerFailureException("rank " + ranks[party] + ": " + why);
        }
    }

    /** Called with the lock held: "rank 2" or "ranks [1, 3]". */
    private String behind(int party) {
        int[] late = IntStream.range(0, parties).filter(p -> arrivals[p] < arrivals[party]).map(p -> ranks[p]).toArray();
        return late.length == 1 ? "rank " + late[0]
                : "ranks " + IntStream.of(late).mapToObj(Integer::toString).collect(Collectors.joining(", ", "[", "]"));
    }
}

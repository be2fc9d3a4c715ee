package org.sparkddp.worker.collective;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * Where the ranks of one stage attempt that run in this JVM find each other's {@link InMemoryCollective.Group}.
 * Runs on executors: one registry per JVM, a group per stage attempt, forgotten once every rank has joined or the
 * first rank closes.
 *
 * <p>Ranks tell which of them share a JVM by {@link #JVM_ID}, which each rank sends with its address through the
 * rendezvous ({@link JvmTags}): a host name cannot tell two executors of one machine apart, and a process id can
 * repeat across containers; a random id drawn once per JVM does neither.
 */
final class LocalGroups {
    /** This JVM's id: random, drawn when the class loads, the same for every task this JVM runs. */
    static final String JVM_ID = UUID.randomUUID().toString();

    private static final ConcurrentHashMap<String, Forming> FORMING = new ConcurrentHashMap<>();

    /** A group while its ranks join. */
    private static final class Forming {
        final InMemoryCollective.Group group;
        final boolean[] joined;
        int count;

        Forming(String key, int size, Duration timeout) {
            this.joined = new boolean[size];
            this.group = new InMemoryCollective.Group(size, timeout, () -> FORMING.remove(key, this));
        }
    }

    private LocalGroups() {
    }

    /**
     * Joins the group {@code key} as {@code rank} of {@code size}; the ranks need not join together: the first
     * collective call waits, within {@code timeout}, for the others.
     *
     * @param key identifies the stage attempt (run id, stage attempt, and the ranks' exchanged addresses), so that
     *            a resubmitted stage never joins its failed predecessor's group
     */
    static InMemoryCollective join(String key, int rank, int size, Duration timeout, BooleanSupplier cancelled) {
        Forming forming = FORMING.computeIfAbsent(key, k -> new Forming(k, size, timeout));
        synchronized (forming) {
            if (forming.joined.length != size || rank < 0 || rank >= size || forming.joined[rank]) {
                throw new PeerFailureException("rank " + rank + " of " + size + ": cannot join this JVM's group for "
                        + key + ": it has " + forming.joined.length + " ranks"
                        + (rank >= 0 && rank < forming.joined.length && forming.joined[rank] ? " and rank " + rank
                        + " has joined already" : ""));
            }
            forming.joined[rank] = true;
            if (++forming.count == size) {
                FORMING.remove(key, forming);
            }
        }
        return new InMemoryCollective(forming.group, rank, cancelled);
    }

    /** How many groups are forming in this JVM (tests check that none is left behind). */
    static int forming() {
        return FORMING.size();
    }
}

package org.sparkddp.worker.collective;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkddp.common.config.CollectiveKind;
import org.sparkddp.common.config.WireFormat;

/**
 * Connects the ranks of a stage through the collective a run asks for. Runs on executors, once per stage: each
 * rank listens, the ranks swap addresses and JVM ids through the driver's rendezvous ({@link JvmTags}), and every
 * rank chooses the same collective from the same addresses and ids ({@link #choose}), then connects to its peers,
 * or, when ranks share JVMs, joins the other ranks of its JVM ({@link LocalGroups}).
 */
public final class Collectives {
    private static final Logger LOG = LoggerFactory.getLogger(Collectives.class);

    private Collectives() {
    }

    /**
     * @param kind      what {@code training.collective} asks for
     * @param host      the address this rank is reachable at; ranks with the same host share a machine
     * @param secret    the run's secret for this stage attempt ({@link WireSecret#forStage}): every connection
     *                  proves it, and frames are encrypted if it says so
     * @param stage     names the stage attempt (run id and attempt): ranks of one JVM with the same name and the
     *                  same exchanged addresses form one in-memory group
     * @param exchange  swaps one message per rank (the driver's rendezvous)
     * @param timeout   bound on every wait
     * @param cancelled polled while waiting; true once Spark has killed the task
     * @param wire      how gradients cross sockets ({@code training.wire}); where no socket is crossed, fp32
     */
    public static Collective connect(CollectiveKind kind, int rank, int size, String host, WireSecret secret,
                                     String stage, PeerRing.AddressExchange exchange, Duration timeout,
                                     BooleanSupplier cancelled, WireFormat wire) {
        return connect(kind, rank, size, host, secret, stage, new JvmTags(exchange), timeout, cancelled,
                new Pieces.Sizes(RingCollective.PIECE_FLOATS, RingCollective.BROADCAST_PIECE_FLOATS), wire);
    }

    /** As above, for ranks that are not tasks of a stage attempt (tests, the benchmarks' ranks). */
    public static Collective connect(CollectiveKind kind, int rank, int size, String host, WireSecret secret,
                                     PeerRing.AddressExchange exchange, Duration timeout, BooleanSupplier cancelled,
                                     WireFormat wire) {
        return connect(kind, rank, size, host, secret, "", exchange, timeout, cancelled, wire);
    }

    /** As above, gradients as fp32. */
    public static Collective connect(CollectiveKind kind, int rank, int size, String host, WireSecret secret,
                                     PeerRing.AddressExchange exchange, Duration timeout, BooleanSupplier cancelled) {
        return connect(kind, rank, size, host, secret, exchange, timeout, cancelled, WireFormat.FP32);
    }

    /** As above, with CRC-32C frames (tests, the benchmarks' ranks). */
    public static Collective connect(CollectiveKind kind, int rank, int size, String host, String secret,
                                     PeerRing.AddressExchange exchange, Duration timeout, BooleanSupplier cancelled) {
        return connect(kind, rank, size, host, WireSecret.of(secret), exchange, timeout, cancelled);
    }

    /**
     * @param tags   sends this rank's JVM id with its address (tests give the ranks of one JVM different ids)
     * @param pieces floats per piece of a transfer (tests force them low to exercise many pieces)
     */
    static Collective connect(CollectiveKind kind, int rank, int size, String host, WireSecret secret, String stage,
                              JvmTags tags, Duration timeout, BooleanSupplier cancelled, Pieces.Sizes pieces) {
        return connect(kind, rank, size, host, secret, stage, tags, timeout, cancelled, pieces, WireFormat.FP32);
    }

    static Collective connect(CollectiveKind kind, int rank, int size, String host, WireSecret secret, String stage,
                              JvmTags tags, Duration timeout, BooleanSupplier cancelled, Pieces.Sizes pieces,
                              WireFormat wire) {
        if (size == 1) {
            return RingCollective.single();
        }
        try (ServerSocketChannel server = PeerRing.listen(host, size)) {
            String[] addresses = PeerRing.exchange(server, host, rank, size, tags);
            HostGroups groups = HostGroups.of(addresses);
            CollectiveKind chosen = choose(kind, groups, tags);
            // DEBUG: once per rank and stage, which in local mode is the user's console.
            LOG.debug("rank {} of {}: {} collective (training.collective = {}), {}, {} JVM(s)", rank, size,
                    chosen.configName(), kind.configName(), groups, tags.count());
            if (chosen == CollectiveKind.SHARED_MEMORY && tags.oneJvm()) {
                return LocalGroups.join(stage + " " + String.join(",", addresses), rank, size, timeout, cancelled);
            }
            if (chosen == CollectiveKind.SHARED_MEMORY) {
                return acrossJvms(rank, HostGroups.of(tags.jvms()), addresses, server, secret, stage, timeout,
                        cancelled, pieces, wire);
            }
            if (rank == 0 && kind == CollectiveKind.SHARED_MEMORY) {
                // INFO: once per stage, on rank 0's executor: why shared memory was asked for and not used.
                LOG.info("training.collective = shared-memory, but no two of the {} ranks run in one JVM: the {} "
                        + "collective over sockets", size, chosen.configName());
            }
            if (chosen == CollectiveKind.HIERARCHICAL) {
                return hierarchical(rank, groups, addresses, server, secret, timeout, cancelled, pieces, wire);
            }
            return PeerRing.ring(rank, size, server, addresses, secret, timeout, cancelled, pieces, wire);
        } catch (IOException e) {
            throw new PeerFailureException("rank " + rank + ": cannot set up the " + kind.configName()
                    + " collective: " + e.getMessage(), e);
        }
    }

    /**
     * The hierarchical collective: the torus ({@link TorusCollective}) where every host runs as many ranks, else the
     * host leaders' scheme ({@link HierarchicalCollective}), with one INFO line on rank 0 saying why.
     */
    private static Collective hierarchical(int rank, HostGroups groups, String[] addresses, ServerSocketChannel server,
                                           WireSecret secret, Duration timeout, BooleanSupplier cancelled,
                                           Pieces.Sizes pieces, WireFormat wire) throws IOException {
        String unequal = TorusCollective.unequal(groups);
        if (unequal == null) {
            return TorusCollective.connect(rank, groups, addresses, server, secret, timeout, cancelled, pieces, wire);
        }
        if (rank == 0) {
            // INFO: once per stage, on rank 0's executor (the console in local mode): the slower scheme, and why.
            LOG.info("hierarchical collective: {} ({}), so each host's leader sums and shares the whole vector for "
                    + "its host's ranks instead of every rank reduce-scattering inside its host", unequal, groups);
        }
        return HierarchicalCollective.connect(rank, groups, addresses, server, secret, timeout, cancelled, pieces,
                wire);
    }

    /**
     * Ranks in several JVMs, some sharing one: the torus over JVMs ({@link TorusCollective#connectJvms}) where every
     * JVM runs as many ranks, else one leader per JVM ({@link JvmLevelCollective}), with one INFO line on rank 0
     * saying why.
     */
    private static Collective acrossJvms(int rank, HostGroups jvms, String[] addresses, ServerSocketChannel server,
                                         WireSecret secret, String stage, Duration timeout, BooleanSupplier cancelled,
                                         Pieces.Sizes pieces, WireFormat wire) throws IOException {
        String unequal = TorusCollective.unequal(jvms);
        if (unequal == null) {
            return TorusCollective.connectJvms(rank, jvms, addresses, server, secret, stage, timeout, cancelled,
                    pieces, wire);
        }
        if (rank == 0) {
            // INFO: once per stage, on rank 0's executor: the slower scheme across JVMs, and why.
            LOG.info("shared-memory collective: {}, so one leader per JVM sends and sums the whole vector across "
                    + "JVMs instead of each of a JVM's ranks its share", unequal.replace("hosts", "JVMs"));
        }
        return JvmLevelCollective.connect(rank, jvms, addresses, server, secret, stage, timeout, cancelled, pieces,
                wire);
    }

    /**
     * {@code AUTO} is hierarchical when there is more than one host and some host runs more than one rank (only
     * then does a leader save anything: one host is all loopback, one rank per host is the ring already), else the
     * ring. The answer depends only on the exchanged addresses, so every rank gives the same one.
     */
    static CollectiveKind choose(CollectiveKind asked, HostGroups groups) {
        return choose(asked, groups, null);
    }

    /**
     * As {@link #choose(CollectiveKind, HostGroups)}, and {@code AUTO} or {@code SHARED_MEMORY} is
     * {@code SHARED_MEMORY} when some JVM runs more than one rank (in one JVM, {@link InMemoryCollective}; over
     * several, {@link JvmLevelCollective}); {@code SHARED_MEMORY} where no two ranks share a JVM is what
     * {@code AUTO} picks among the socket collectives.
     *
     * @param jvms every rank's JVM id, from the exchange; null when unknown (then no rank shares memory)
     */
    static CollectiveKind choose(CollectiveKind asked, HostGroups groups, JvmTags jvms) {
        if (asked == CollectiveKind.SHARED_MEMORY || asked == CollectiveKind.AUTO) {
            if (jvms != null && jvms.shared()) {
                return CollectiveKind.SHARED_MEMORY;
            }
            asked = CollectiveKind.AUTO;
        }
        if (asked != CollectiveKind.AUTO) {
            return asked;
        }
        return groups.hosts() > 1 && groups.shared() ? CollectiveKind.HIERARCHICAL : CollectiveKind.RING;
    }
}

package org.sparkddp.worker.collective;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkddp.common.config.WireFormat;

/**
 * Connects the tasks of one barrier stage: each task listens on an ephemeral port of the address Spark gave its
 * executor (never a wildcard), the tasks swap {@code host:port} through an {@link AddressExchange} (the driver's
 * rendezvous), then each dials the peers it sends to and accepts the ones that dial it ({@link #ring} for the flat
 * ring; {@link HierarchicalCollective} uses the same dial and accept). Every connection opens with a
 * {@link Handshake} in which both ends prove they know the run's secret, for this stage attempt, without sending
 * it; anything else is dropped within {@link Handshake#WAIT}, with one log line naming its address. Runs on
 * executors, once per stage; the sockets live only as long as the stage, so there is no daemon to start or to
 * clean up.
 */
public final class PeerRing {
    /** How errors name a peer: {@code rank 3 at 127.0.0.2:40123}. */
    static String peerName(int rank, String[] addresses) {
        return "rank " + rank + " at " + addresses[rank];
    }

    private static final Logger LOG = LoggerFactory.getLogger(PeerRing.class);
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;
    static final int MIN_BACKLOG = 64;

    private PeerRing() {
    }

    /** Swaps one message per task and returns every task's message, indexed by rank. */
    @FunctionalInterface
    public interface AddressExchange {
        String[] allGather(String message);
    }

    /** {@link #connect(int, int, String, WireSecret, AddressExchange, Duration, BooleanSupplier)}, CRC frames. */
    public static RingCollective connect(int rank, int size, String host, String secret, AddressExchange exchange,
                                         Duration timeout, BooleanSupplier cancelled) {
        return connect(rank, size, host, WireSecret.of(secret), exchange, timeout, cancelled);
    }

    /**
     * Sets up the flat ring, whatever the hosts: {@link Collectives#connect} with {@code RING}.
     *
     * @param host      the address this executor is reachable at (Spark's block manager host)
     * @param secret    the run's secret, for this stage attempt ({@link WireSecret#forStage})
     * @param timeout   bound on every wait: the exchange, each connect and each accept
     * @param cancelled polled while waiting; true once Spark has killed the task
     */
    public static RingCollective connect(int rank, int size, String host, WireSecret secret,
                                         AddressExchange exchange, Duration timeout, BooleanSupplier cancelled) {
        if (size == 1) {
            return RingCollective.single();
        }
        try (ServerSocketChannel server = listen(host, size)) {
            String[] addresses = exchange(server, host, rank, size, exchange);
            return ring(rank, size, server, addresses, secret, timeout, cancelled,
                    new Pieces.Sizes(RingCollective.PIECE_FLOATS, RingCollective.BROADCAST_PIECE_FLOATS),
                    WireFormat.FP32);
        } catch (IOException e) {
            throw new PeerFailureException("rank " + rank + ": cannot set up the ring: " + e.getMessage(), e);
        }
    }

    /** Dials the next rank while it accepts the previous one, within {@code timeout}. */
    static RingCollective ring(int rank, int size, ServerSocketChannel server, String[] addresses, WireSecret secret,
                               Duration timeout, BooleanSupplier cancelled, Pieces.Sizes pieces, WireFormat wire)
            throws IOException {
        Deadline deadline = Deadline.after(timeout, cancelled);
        int next = (rank + 1) % size;
        int previous = Math.floorMod(rank - 1, size);
        Dialing toNext = dialing(addresses[next], "the next rank", rank, next, secret, deadline);
        Link fromPrevious = null;
        try {
            fromPrevious = accept(server, Map.of(previous, "the previous rank (" + addresses[previous] + ")"), secret,
                    deadline, rank).get(previous);
            return new RingCollective("rank " + rank, rank, size, null, toNext.get(), addresses[next], fromPrevious,
                    addresses[previous], timeout, cancelled, pieces, wire);
        } catch (IOException | RuntimeException e) {
            toNext.abandon();
            closeQuietly(fromPrevious);
            throw e;
        }
    }

    /**
     * A ring over some of the stage's ranks (one per group: the JVM level's leaders, or one local index of every JVM):
     * dials {@code next} while it accepts {@code previous}, within {@code timeout}; peers named as
     * {@link #peerName}.
     *
     * @param position this rank's place in that ring
     * @param what     how failures name the next and the previous peer ("the next JVM's leader")
     */
    static RingCollective ringOf(int rank, int position, Chunks chunks, int next, int previous, String[] what,
                                 ServerSocketChannel server, String[] addresses, WireSecret secret, Duration timeout,
                                 BooleanSupplier cancelled, Pieces.Sizes pieces, WireFormat wire) throws IOException {
        return ringOf(rank, position, chunks, next, previous, what, server, addresses, secret,
                Deadline.after(timeout, cancelled), timeout, cancelled, pieces, wire);
    }

    /**
     * As above, connecting within {@code deadline}, part of a longer connect phase that shares it; the ring's calls
     * wait up to {@code timeout} each.
     */
    static RingCollective ringOf(int rank, int position, Chunks chunks, int next, int previous, String[] what,
                                 ServerSocketChannel server, String[] addresses, WireSecret secret, Deadline deadline,
                                 Duration timeout, BooleanSupplier cancelled, Pieces.Sizes pieces, WireFormat wire)
            throws IOException {
        // NOTE: the dial runs on a thread of its own while this rank accepts the previous one: the handshake makes
        // a dialer wait for its acceptor's answer, so ranks that all dialed first would wait in a circle.
        Dialing toNext = dialing(addresses[next], what[0] + ", rank " + next, rank, next, secret, deadline);
        Link fromPrevious = null;
        try {
            fromPrevious = accept(server, Map.of(previous, what[1] + " (" + peerName(previous, addresses) + ")"),
                    secret, deadline, rank).get(previous);
            return new RingCollective("rank " + rank, position, chunks, toNext.get(), peerName(next, addresses),
                    fromPrevious, peerName(previous, addresses), timeout, cancelled, pieces, wire);
        } catch (IOException | RuntimeException e) {
            toNext.abandon();
            closeQuietly(fromPrevious);
            throw e;
        }
    }

    /**
     * A listening socket on {@code host}, on an ephemeral port; never a wildcard address. The backlog is at least
     * {@link #MIN_BACKLOG}, so that a few strangers' connections waiting for their handshake cannot fill the queue
     * ahead of a peer.
     */
    static ServerSocketChannel listen(String host, int peers) throws IOException {
        int backlog = Math.max(peers, MIN_BACKLOG);
        InetAddress address = InetAddress.getByName(host);
        if (address.isAnyLocalAddress()) {
            throw new IOException("will not listen on the wildcard address " + host + ": give the executor's own");
        }
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.bind(new InetSocketAddress(address, 0), backlog);
            return server;
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** Swaps this rank's {@code host:port} for every rank's, indexed by rank. */
    static String[] exchange(ServerSocketChannel server, String host, int rank, int size, AddressExchange exchange)
            throws IOException {
        String me = host + ":" + ((InetSocketAddress) server.getLocalAddress()).getPort();
        String[] addresses = exchange.allGather(me);
        if (addresses.length != size) {
            throw new PeerFailureException("rank " + rank + ": expected " + size + " peer addresses, got "
                    + addresses.length);
        }
        return addresses;
    }

    /**
     * A dial on a thread of its own, so that this rank accepts its own peers meanwhile: with a handshake, a dialer
     * waits for the acceptor's answer, and a ring whose ranks all dialed before accepting would wait in a circle.
     */
    static final class Dialing {
        private final CompletableFuture<Link> link;
        private final AtomicBoolean abandoned;

        private Dialing(CompletableFuture<Link> link, AtomicBoolean abandoned) {
            this.link = link;
            this.abandoned = abandoned;
        }

        /** The dialed link, once its handshake is done; its wait is bounded by the dial's deadline. */
        Link get() throws IOException {
            try {
                return link.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abandon();
                throw new PeerFailureException("interrupted while connecting to a peer");
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException(e.getCause());
            }
        }

        /** Stops the dial (within a poll) and closes its link if it was made. */
        void abandon() {
            abandoned.set(true);
            link.thenAccept(PeerRing::closeQuietly);
        }
    }

    static Dialing dialing(String address, String what, int rank, int peerRank, WireSecret secret, Deadline deadline) {
        AtomicBoolean abandoned = new AtomicBoolean();
        Deadline bounded = deadline.orWhen(abandoned::get);
        CompletableFuture<Link> link = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                link.complete(dial(address, what, rank, peerRank, secret, bounded));
            } catch (IOException | RuntimeException e) {
                link.completeExceptionally(e);
            }
        }, "spark-ddp-dial-rank-" + rank);
        thread.setDaemon(true);
        thread.start();
        return new Dialing(link, abandoned);
    }

    /**
     * Connects to {@code address} and completes the handshake as {@code rank}, retrying until the deadline.
     *
     * @param what     names the peer in the failure message ("the next rank")
     * @param peerRank the rank expected to answer
     */
    static Link dial(String address, String what, int rank, int peerRank, WireSecret secret, Deadline deadline)
            throws IOException {
        int colon = address.lastIndexOf(':');
        InetSocketAddress target = new InetSocketAddress(address.substring(0, colon),
                Integer.parseInt(address.substring(colon + 1)));
        IOException last = null;
        while (!deadline.passed() && !deadline.cancelled()) {
            SocketChannel channel = SocketChannel.open();
            try {
                tune(channel);
                // Bounded: a plain connect() waits for the OS's own timeout, minutes, on a host that drops packets.
                channel.socket().connect(target, deadline.remainingMillis());
                Frames frames = Handshake.dial(HandshakeIo.of(channel, deadline), secret, secret.context(), rank,
                        peerRank);
                return new Link(channel, frames);
            } catch (IOException e) {
                channel.close();
                last = e;
                sleepBriefly();
            }
        }
        throw new PeerFailureException("rank " + rank + ": cannot connect to " + what + " at " + address
                + (last == null ? "" : ": " + last.getMessage()));
    }

    /**
     * Accepts one authenticated connection from each rank in {@code expected} (rank to how messages name it); the
     * handshake's rank says which peer is which. Each accepted connection's handshake runs on a thread of its own,
     * bounded by {@link Handshake#WAIT}, so that strangers who send nothing or trickle never hold up a peer behind
     * them; any other connection is dropped with one log line naming its address, and past
     * {@link #MAX_HANDSHAKES} handshakes at once, a new connection is dropped at once.
     */
    static Map<Integer, Link> accept(ServerSocketChannel server, Map<Integer, String> expected, WireSecret secret,
                                     Deadline deadline, int rank) throws IOException {
        Map<Integer, Link> accepted = new HashMap<>();
        Set<SocketChannel> pending = ConcurrentHashMap.newKeySet();
        BlockingQueue<Greeted> greeted = new LinkedBlockingQueue<>();
        ExecutorService handshakes = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "spark-ddp-handshake-rank-" + rank);
            t.setDaemon(true);
            return t;
        });
        server.configureBlocking(false);
        try (Selector selector = Selector.open()) {
            server.register(selector, SelectionKey.OP_ACCEPT);
            while (accepted.size() < expected.size()) {
                for (Greeted g = greeted.poll(); g != null; g = greeted.poll()) {
                    pending.remove(g.channel());
                    if (g.peer() != null && expected.containsKey(g.peer().peerRank())
                            && !accepted.containsKey(g.peer().peerRank())) {
                        accepted.put(g.peer().peerRank(), new Link(g.channel(), g.peer().frames()));
                        continue;
                    }
                    if (g.peer() != null) {
                        LOG.warn("rank {}: dropped a connection from {}: rank {} is not one this rank waits for", rank,
                                g.from(), g.peer().peerRank());
                    }
                    closeQuietly(g.channel());
                }
                if (accepted.size() == expected.size()) {
                    break;
                }
                if (deadline.passed() || deadline.cancelled()) {
                    Map<Integer, String> missing = new TreeMap<>(expected);
                    missing.keySet().removeAll(accepted.keySet());
                    throw new PeerFailureException("rank " + rank + ": " + String.join(", ", missing.values())
                            + " did not connect in time");
                }
                deadline.select(selector);
                for (SocketChannel channel = server.accept(); channel != null; channel = server.accept()) {
                    String from = remote(channel);
                    if (pending.size() >= MAX_HANDSHAKES) {
                        LOG.warn("rank {}: dropped a connection from {}: {} handshakes under way already", rank, from,
                                MAX_HANDSHAKES);
                        closeQuietly(channel);
                        continue;
                    }
                    pending.add(channel);
                    SocketChannel c = channel;
                    handshakes.execute(() -> {
                        greeted.add(handshake(c, from, secret, deadline, rank));
                        selector.wakeup();
                    });
                }
            }
            return accepted;
        } catch (IOException | RuntimeException e) {
            accepted.values().forEach(PeerRing::closeQuietly);
            throw e;
        } finally {
            // Handshakes still under way end at once on their closed channel; nothing outlives the call.
            handshakes.shutdownNow();
            pending.forEach(PeerRing::closeQuietly);
            for (Greeted g = greeted.poll(); g != null; g = greeted.poll()) {
                closeQuietly(g.channel()); // greeted after the last peer: a duplicate or a stranger
            }
        }
    }

    /** Most handshakes one rank runs at once: its peers need a handful; strangers get no more. */
    static final int MAX_HANDSHAKES = 32;

    /** An accepted connection after its handshake: the peer, or null if it failed (logged). */
    private record Greeted(SocketChannel channel, String from, Handshake.Result peer) {
    }

    private static Greeted handshake(SocketChannel channel, String from, WireSecret secret, Deadline deadline,
                                     int rank) {
        try {
            tune(channel);
            Handshake.Result hello = Handshake.accept(HandshakeIo.of(channel, deadline.within(Handshake.WAIT)),
                    secret, secret.context()::equals, rank);
            return new Greeted(channel, from, hello);
        } catch (IOException e) {
            // Not our peer (a stray, stale or hostile connection): one line, and the loop keeps waiting.
            if (channel.isOpen()) {
                LOG.warn("rank {}: dropped a connection from {}: {}", rank, from, e.getMessage());
            }
            return new Greeted(channel, from, null);
        }
    }

    private static String remote(SocketChannel channel) {
        try {
            return String.valueOf(channel.getRemoteAddress());
        } catch (IOException e) {
            return "an unknown address";
        }
    }

    static void closeQuietly(Link link) {
        if (link != null) {
            closeQuietly(link.channel());
        }
    }

    static void closeQuietly(SocketChannel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // Best effort on a failure path; the original failure is what matters.
        }
    }

    private static void tune(SocketChannel channel) throws IOException {
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER_BYTES);
        channel.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER_BYTES);
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PeerFailureException("interrupted while connecting to a peer");
        }
    }
}

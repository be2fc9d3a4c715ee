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
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * Connects the tasks of one barrier stage: each task listens on an ephemeral port, the tasks swap
 * {@code host:port} through an {@link AddressExchange} (the driver's rendezvous), then each dials the peers it
 * sends to and accepts the ones that dial it ({@link #ring} for the flat ring; {@link HierarchicalCollective}
 * uses the same dial and accept). Every connection opens with the run's secret; others are dropped. Runs on
 * executors, once per stage; the sockets live only as long as the stage, so there is no daemon to start or to
 * clean up.
 */
public final class PeerRing {
    private static final int MAGIC = 0x53444450; // "SDDP"
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;
    /**
     * How long an accepted connection may take to greet us. A peer sends its greeting right after connecting, so
     * this only has to outlast a retransmission or two; without it, one silent connection ahead of the peer (a
     * port scanner, a stale client) held the accept until the sync timeout and failed the ring.
     */
    private static final Duration HELLO_WAIT = Duration.ofSeconds(5);

    private PeerRing() {
    }

    /** Swaps one message per task and returns every task's message, indexed by rank. */
    @FunctionalInterface
    public interface AddressExchange {
        String[] allGather(String message);
    }

    /**
     * Sets up the flat ring, whatever the hosts: {@link Collectives#connect} with {@code RING}.
     *
     * @param host      the address this executor is reachable at (Spark's block manager host)
     * @param timeout   bound on every wait: the exchange, each connect and each accept
     * @param cancelled polled while waiting; true once Spark has killed the task
     */
    public static RingCollective connect(int rank, int size, String host, String secret, AddressExchange exchange,
                                         Duration timeout, BooleanSupplier cancelled) {
        if (size == 1) {
            return RingCollective.single();
        }
        try (ServerSocketChannel server = listen(host, size)) {
            String[] addresses = exchange(server, host, rank, size, exchange);
            return ring(rank, size, server, addresses, secret, timeout, cancelled);
        } catch (IOException e) {
            throw new PeerFailureException("rank " + rank + ": cannot set up the ring: " + e.getMessage(), e);
        }
    }

    /** Dials the next rank and accepts the previous one, within {@code timeout}. */
    static RingCollective ring(int rank, int size, ServerSocketChannel server, String[] addresses, String secret,
                               Duration timeout, BooleanSupplier cancelled) throws IOException {
        Deadline deadline = Deadline.after(timeout, cancelled);
        int next = (rank + 1) % size;
        int previous = Math.floorMod(rank - 1, size);
        SocketChannel toNext = dial(addresses[next], "the next rank", rank, secret, deadline);
        SocketChannel fromPrevious = null;
        try {
            fromPrevious = accept(server, Map.of(previous, "the previous rank (" + addresses[previous] + ")"), secret,
                    deadline, rank).get(previous);
            return new RingCollective(rank, size, toNext, addresses[next], fromPrevious, addresses[previous], timeout,
                    cancelled);
        } catch (IOException | RuntimeException e) {
            closeQuietly(toNext);
            closeQuietly(fromPrevious);
            throw e;
        }
    }

    /** A listening socket on {@code host}, on an ephemeral port. */
    static ServerSocketChannel listen(String host, int backlog) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.bind(new InetSocketAddress(InetAddress.getByName(host), 0), backlog);
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
     * Connects to {@code address} and greets it as {@code rank}, retrying until the deadline.
     *
     * @param what names the peer in the failure message ("the next rank")
     */
    static SocketChannel dial(String address, String what, int rank, String secret, Deadline deadline)
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
                ByteBuffer hello = hello(rank, secret);
                while (hello.hasRemaining()) {
                    channel.write(hello);
                }
                return channel;
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
     * Accepts one greeted connection from each rank in {@code expected} (rank to how messages name it), dropping
     * any other connection; the greeting's rank says which peer is which.
     */
    static Map<Integer, SocketChannel> accept(ServerSocketChannel server, Map<Integer, String> expected,
                                              String secret, Deadline deadline, int rank) throws IOException {
        Map<Integer, SocketChannel> accepted = new HashMap<>();
        server.configureBlocking(false);
        try (Selector selector = Selector.open()) {
            server.register(selector, SelectionKey.OP_ACCEPT);
            while (accepted.size() < expected.size()) {
                if (deadline.passed() || deadline.cancelled()) {
                    Map<Integer, String> missing = new TreeMap<>(expected);
                    missing.keySet().removeAll(accepted.keySet());
                    throw new PeerFailureException("rank " + rank + ": " + String.join(", ", missing.values())
                            + " did not connect in time");
                }
                deadline.select(selector);
                SocketChannel channel = server.accept();
                if (channel == null) {
                    continue;
                }
                try {
                    tune(channel);
                    int peer = readHello(channel, secret, deadline.within(HELLO_WAIT));
                    if (expected.containsKey(peer) && !accepted.containsKey(peer)) {
                        accepted.put(peer, channel);
                        continue;
                    }
                } catch (IOException e) {
                    // A connection that broke before greeting us is not our peer: drop it and keep waiting.
                }
                closeQuietly(channel); // Not our peer (a stray or stale connection): keep waiting for the right one.
            }
            return accepted;
        } catch (IOException | RuntimeException e) {
            accepted.values().forEach(PeerRing::closeQuietly);
            throw e;
        }
    }

    /** MAGIC, rank, then the run's secret: a fixed-size greeting. */
    private static ByteBuffer hello(int rank, String secret) {
        byte[] key = secret.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(12 + key.length).putInt(MAGIC).putInt(rank).putInt(key.length).put(key).flip();
    }

    /** @return the peer's rank, or -1 if the greeting is wrong or incomplete by the deadline */
    private static int readHello(SocketChannel channel, String secret, Deadline deadline) throws IOException {
        ByteBuffer expected = hello(0, secret);
        ByteBuffer hello = ByteBuffer.allocate(expected.capacity());
        channel.configureBlocking(false);
        try (Selector selector = Selector.open()) {
            channel.register(selector, SelectionKey.OP_READ);
            while (hello.hasRemaining()) {
                if (channel.read(hello) < 0 || deadline.passed()) {
                    return -1;
                }
                if (hello.hasRemaining()) {
                    deadline.select(selector);
                }
            }
        }
        // The channel stays registered with a closed selector; the collective registers it with its own.
        hello.flip();
        int rank = hello.getInt(4);
        hello.putInt(4, 0);
        return MessageDigest.isEqual(hello.array(), expected.array()) ? rank : -1;
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

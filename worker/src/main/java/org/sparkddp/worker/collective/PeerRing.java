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
import java.util.function.BooleanSupplier;

/**
 * Connects the tasks of one barrier stage into a ring: each task listens on an ephemeral port, the tasks swap
 * {@code host:port} through an {@link AddressExchange} (the driver's rendezvous), then each connects to the next
 * rank and accepts the previous one. Every connection opens with the run's secret; others are dropped. Runs on executors, once per stage; the sockets live only as long as the stage, so there is
 * no daemon to start or to clean up.
 */
public final class PeerRing {
    private static final int MAGIC = 0x53444450; // "SDDP"
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;
    /**
     * How long an accepted connection may take to greet us. A peer sends its greeting right after connecting, so
     * this only has to outlast a retransmission or two; without it, one silent connection ahead of the peer (a
     * port scanner, a stale client) held the accept until the sync timeout and failed the ring.
     */
    private static final long HELLO_NANOS = Duration.ofSeconds(5).toNanos();

    private PeerRing() {
    }

    /** Swaps one message per task and returns every task's message, indexed by rank. */
    @FunctionalInterface
    public interface AddressExchange {
        String[] allGather(String message);
    }

    /**
     * @param host      the address this executor is reachable at (Spark's block manager host)
     * @param timeout   bound on every wait: the exchange, each connect and each accept
     * @param cancelled polled while waiting; true once Spark has killed the task
     */
    public static RingAllReduce connect(int rank, int size, String host, String secret, AddressExchange exchange,
                                        Duration timeout, BooleanSupplier cancelled) {
        if (size == 1) {
            return RingAllReduce.single();
        }
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getByName(host), 0), size);
            String me = host + ":" + ((InetSocketAddress) server.getLocalAddress()).getPort();
            String[] addresses = exchange.allGather(me);
            if (addresses.length != size) {
                throw new PeerFailureException("rank " + rank + ": expected " + size + " peer addresses, got "
                        + addresses.length);
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            int next = (rank + 1) % size;
            int previous = Math.floorMod(rank - 1, size);
            SocketChannel toNext = dial(addresses[next], rank, secret, deadline, cancelled);
            SocketChannel fromPrevious = null;
            try {
                fromPrevious = accept(server, previous, addresses[previous], secret, deadline, cancelled, rank);
                return new RingAllReduce(rank, size, toNext, addresses[next], fromPrevious, addresses[previous],
                        timeout, cancelled);
            } catch (IOException | RuntimeException e) {
                closeQuietly(toNext);
                closeQuietly(fromPrevious);
                throw e;
            }
        } catch (IOException e) {
            throw new PeerFailureException("rank " + rank + ": cannot set up the ring: " + e.getMessage(), e);
        }
    }

    private static SocketChannel dial(String address, int rank, String secret, long deadline,
                                      BooleanSupplier cancelled) throws IOException {
        int colon = address.lastIndexOf(':');
        InetSocketAddress target = new InetSocketAddress(address.substring(0, colon),
                Integer.parseInt(address.substring(colon + 1)));
        IOException last = null;
        while (System.nanoTime() < deadline && !cancelled.getAsBoolean()) {
            SocketChannel channel = SocketChannel.open();
            try {
                tune(channel);
                // Bounded: a plain connect() waits for the OS's own timeout, minutes, on a host that drops packets.
                long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                channel.socket().connect(target, (int) Math.min(Integer.MAX_VALUE, left));
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
        throw new PeerFailureException("rank " + rank + ": cannot connect to the next rank at " + address
                + (last == null ? "" : ": " + last.getMessage()));
    }

    private static SocketChannel accept(ServerSocketChannel server, int expectedRank, String expectedAddress,
                                        String secret, long deadline, BooleanSupplier cancelled, int rank)
            throws IOException {
        server.configureBlocking(false);
        try (Selector selector = Selector.open()) {
            server.register(selector, SelectionKey.OP_ACCEPT);
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || cancelled.getAsBoolean()) {
                    throw new PeerFailureException("rank " + rank + ": the previous rank (" + expectedAddress
                            + ") did not connect in time");
                }
                selector.select(Math.max(1, Math.min(1000, left / 1_000_000)));
                selector.selectedKeys().clear();
                SocketChannel channel = server.accept();
                if (channel == null) {
                    continue;
                }
                try {
                    tune(channel);
                    long helloDeadline = Math.min(deadline, System.nanoTime() + HELLO_NANOS);
                    if (readHello(channel, secret, helloDeadline) == expectedRank) {
                        return channel;
                    }
                } catch (IOException e) {
                    // A connection that broke before greeting us is not our peer: drop it and keep waiting.
                }
                closeQuietly(channel); // Not our peer (a stray or stale connection): keep waiting for the right one.
            }
        }
    }

    /** MAGIC, rank, then the run's secret: a fixed-size greeting. */
    private static ByteBuffer hello(int rank, String secret) {
        byte[] key = secret.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(12 + key.length).putInt(MAGIC).putInt(rank).putInt(key.length).put(key).flip();
    }

    /** @return the peer's rank, or -1 if the greeting is wrong or incomplete */
    private static int readHello(SocketChannel channel, String secret, long deadline) throws IOException {
        ByteBuffer expected = hello(0, secret);
        ByteBuffer hello = ByteBuffer.allocate(expected.capacity());
        channel.configureBlocking(false);
        try (Selector selector = Selector.open()) {
            channel.register(selector, SelectionKey.OP_READ);
            while (hello.hasRemaining()) {
                if (channel.read(hello) < 0) {
                    return -1;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return -1;
                }
                if (hello.hasRemaining()) {
                    selector.select(Math.max(1, Math.min(1000, left / 1_000_000)));
                    selector.selectedKeys().clear();
                }
            }
        }
        // The channel stays registered with a closed selector; RingAllReduce registers it with its own.
        hello.flip();
        int rank = hello.getInt(4);
        hello.putInt(4, 0);
        return MessageDigest.isEqual(hello.array(), expected.array()) ? rank : -1;
    }

    private static void closeQuietly(SocketChannel channel) {
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

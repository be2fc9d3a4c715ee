package org.sparkddp.driver.train;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkddp.worker.collective.RendezvousProtocol;
import org.sparkddp.worker.collective.WireSecret;

/**
 * Where the tasks of each training stage find each other. Runs on the driver for the length of one training
 * run, started and stopped by the training master: there is nothing for a user to start.
 *
 * <p>Each task registers its {@code host:port} under its stage attempt's token; once all ranks of that token
 * have arrived, every one of them gets the full list at once. A stage attempt whose ranks do not all arrive
 * within the timeout gets an error, and its task fails, which fails the barrier stage; the driver then resubmits
 * the stage ({@link StageAttempts}) under a new token.
 *
 * <p>Every connection opens with the handshake of {@link RendezvousProtocol}: a task proves it knows the run's
 * secret without sending it. A connection that does not (random bytes, a wrong secret, a replayed hello, silence,
 * one byte a second) is closed within the handshake's bound, with one log line naming its address, on a thread of
 * its own, so the ranks that are registering never wait for it.
 */
public final class RendezvousServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RendezvousServer.class);
    /** Connections the OS queues before the accept loop takes them. */
    static final int BACKLOG = 64;
    /** Most ranks one stage may have: bounds what one authenticated request can make the server allocate. */
    static final int MAX_RANKS = 1 << 16;

    private final ServerSocket server;
    private final WireSecret secret;
    private final Duration timeout;
    private final ExecutorService handlers;
    private final Map<String, Group> groups = new ConcurrentHashMap<>();

    /** The ranks of one stage attempt. */
    private static final class Group {
        final String[] addresses;
        final CountDownLatch arrived;
        final AtomicInteger answered = new AtomicInteger();

        Group(int size) {
            addresses = new String[size];
            arrived = new CountDownLatch(size);
        }
    }

    private RendezvousServer(ServerSocket server, WireSecret secret, Duration timeout) {
        this.server = server;
        this.secret = secret;
        this.timeout = timeout;
        this.handlers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "spark-ddp-rendezvous");
            t.setDaemon(true);
            return t;
        });
    }

    /** {@link #start(String, WireSecret, Duration)} with CRC-32C frames. */
    public static RendezvousServer start(String host, String secret, Duration timeout) throws IOException {
        return start(host, WireSecret.of(secret), timeout);
    }

    /** Listens on an ephemeral port of {@code host}, the address executors already use to reach the driver. */
    public static RendezvousServer start(String host, WireSecret secret, Duration timeout) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.bind(new InetSocketAddress(InetAddress.getByName(host), 0), BACKLOG);
        RendezvousServer server = new RendezvousServer(socket, secret, timeout);
        server.handlers.execute(server::acceptLoop);
        return server;
    }

    /** host:port for the tasks. */
    public String address() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                handlers.execute(() -> handle(socket));
            } catch (IOException e) {
                if (!server.isClosed()) {
                    LOG.warn("rendezvous: accept failed: {}", e.getMessage());
                }
            }
        }
    }

    private void handle(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            RendezvousProtocol.Accepted accepted;
            try {
                accepted = RendezvousProtocol.accept(socket, secret);
            } catch (IOException e) {
                // One line per connection that is not a task of this run; it never reaches a group.
                LOG.warn("rendezvous: dropped a connection from {}: {}", socket.getRemoteSocketAddress(),
                        e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
                return;
            }
            answer(accepted, socket);
        } catch (IOException e) {
            LOG.debug("rendezvous: a connection failed: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void answer(RendezvousProtocol.Accepted accepted, Socket socket) throws IOException, InterruptedException {
        RendezvousProtocol.Request request = accepted.request();
        if (request.size() <= 0 || request.size() > MAX_RANKS) {
            accepted.refuse(socket, "a stage of " + request.size() + " ranks");
            return;
        }
        Group group = groups.computeIfAbsent(request.token(), t -> new Group(request.size()));
        if (group.addresses.length != request.size() || request.rank() < 0 || request.rank() >= request.size()) {
            accepted.refuse(socket, "rank " + request.rank() + " of " + request.size()
                    + " does not fit a stage of " + group.addresses.length);
            return;
        }
        boolean duplicate;
        synchronized (group) {
            duplicate = group.addresses[request.rank()] != null;
            if (!duplicate) {
                group.addresses[request.rank()] = request.address();
            }
        }
        if (duplicate) {
            // Counting it would complete the group with another rank missing (and answer a null address); the
            // first registration keeps the slot and still waits for the missing ranks.
            accepted.refuse(socket, "rank " + request.rank() + " of " + request.size()
                    + " registered twice for stage attempt " + request.token());
            return;
        }
        group.arrived.countDown();
        if (!group.arrived.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            groups.remove(request.token(), group);
            accepted.refuse(socket, "only " + (group.addresses.length - group.arrived.getCount()) + " of "
                    + group.addresses.length + " ranks arrived within " + timeout);
            return;
        }
        String[] addresses;
        synchronized (group) {
            addresses = group.addresses.clone();
        }
        accepted.answer(socket, addresses);
        if (group.answered.incrementAndGet() == addresses.length) {
            groups.remove(request.token(), group);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("rendezvous: close failed: {}", e.getMessage());
        }
        handlers.shutdownNow();
    }
}

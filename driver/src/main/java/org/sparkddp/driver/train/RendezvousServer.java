package org.sparkddp.driver.train;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
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

/**
 * Where the tasks of each training stage find each other. Runs on the driver for the length of one training
 * run, started and stopped by the training master: there is nothing for a user to start.
 *
 * <p>Each task registers its {@code host:port} under its stage attempt's token; once all ranks of that token
 * have arrived, every one of them gets the full list at once. A stage attempt whose ranks do not all arrive
 * within the timeout gets an error, and its task fails, which fails the barrier stage; the driver then resubmits
 * the stage ({@link StageAttempts}) under a new token.
 */
public final class RendezvousServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RendezvousServer.class);
    /** Connections the OS queues before the accept loop takes them. */
    static final int BACKLOG = 64;

    private final ServerSocket server;
    private final String secret;
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

    private RendezvousServer(ServerSocket server, String secret, Duration timeout) {
        this.server = server;
        this.secret = secret;
        this.timeout = timeout;
        this.handlers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "spark-ddp-rendezvous");
            t.setDaemon(true);
            return t;
        });
    }

    /** Listens on an ephemeral port of {@code host}, the address executors already use to reach the driver. */
    public static RendezvousServer start(String host, String secret, Duration timeout) throws IOException {
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
            socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            socket.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            RendezvousProtocol.Request request = RendezvousProtocol.readRequest(in);
            if (request == null) {
                RendezvousProtocol.writeError(out, "not a rendezvous request");
                return;
            }
            if (!RendezvousProtocol.sameSecret(secret, request.secret())) {
                RendezvousProtocol.writeError(out, "wrong secret (not a task of this training run)");
                return;
            }
            answer(request, out);
        } catch (IOException e) {
            LOG.debug("rendezvous: a connection failed: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void answer(RendezvousProtocol.Request request, DataOutputStream out)
            throws IOException, InterruptedException {
        Group group = groups.computeIfAbsent(request.token(), t -> new Group(request.size()));
        if (group.addresses.length != request.size() || request.rank() < 0 || request.rank() >= request.size()) {
            RendezvousProtocol.writeError(out, "rank " + request.rank() + " of " + request.size()
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
            RendezvousProtocol.writeError(out, "rank " + request.rank() + " of " + request.size()
                    + " registered twice for stage attempt " + request.token());
            return;
        }
        group.arrived.countDown();
        if (!group.arrived.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            groups.remove(request.token(), group);
            RendezvousProtocol.writeError(out, "only " + (group.addresses.length - group.arrived.getCount()) + " of "
                    + group.addresses.length + " ranks arrived within " + timeout);
            return;
        }
        String[] addresses;
        synchronized (group) {
            addresses = group.addresses.clone();
        }
        RendezvousProtocol.writeAddresses(out, addresses);
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

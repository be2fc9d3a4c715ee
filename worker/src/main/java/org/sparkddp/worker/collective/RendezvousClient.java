package org.sparkddp.worker.collective;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exchanges ring addresses through the run's rendezvous server on the driver. Runs on executors, once per task
 * per stage.
 *
 * <p>NOTE: Spark's own {@code BarrierTaskContext.allGather} would do, but in Spark 3.5 it polls for its answer
 * with a one-second sleep, which cost about a second per stage here. This answers as soon as the last rank
 * arrives.
 *
 * <p>The server drops a connection whose handshake and request take longer than {@link Handshake#WAIT}; a task
 * that slow (a JVM just started on a busy host, still loading and compiling the handshake's code) registers again
 * on a new connection, within the same timeout, rather than failing its stage attempt.
 */
public final class RendezvousClient implements PeerRing.AddressExchange {
    private static final Logger LOG = LoggerFactory.getLogger(RendezvousClient.class);

    private final String server;
    private final WireSecret secret;
    private final String token;
    private final int rank;
    private final int size;
    private final Duration timeout;
    private final BooleanSupplier cancelled;

    /**
     * @param server host:port of the driver's rendezvous server
     * @param secret the run's secret, proven in the connection's handshake, never sent
     * @param token  identifies the stage attempt: ranks with the same token form one ring
     */
    public RendezvousClient(String server, WireSecret secret, String token, int rank, int size, Duration timeout,
                            BooleanSupplier cancelled) {
        this.server = server;
        this.secret = secret;
        this.token = token;
        this.rank = rank;
        this.size = size;
        this.timeout = timeout;
        this.cancelled = cancelled;
    }

    /** As above, with CRC-32C frames. */
    public RendezvousClient(String server, String secret, String token, int rank, int size, Duration timeout,
                            BooleanSupplier cancelled) {
        this(server, WireSecret.of(secret), token, rank, size, timeout, cancelled);
    }

    @Override
    public String[] allGather(String address) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int attempt = 1; ; attempt++) {
            long started = System.nanoTime();
            try {
                return register(address, Duration.ofNanos(Math.max(1_000_000, deadline - started)));
            } catch (SocketTimeoutException e) {
                if (cancelled.getAsBoolean()) {
                    throw new PeerFailureException("rank " + rank + ": task cancelled during rendezvous");
                }
                throw new PeerFailureException("rank " + rank + ": not all " + size + " ranks reached the rendezvous"
                        + " within " + timeout);
            } catch (IOException e) {
                if (!droppedAtTheServersBound(e, System.nanoTime() - started) || cancelled.getAsBoolean()
                        || System.nanoTime() >= deadline) {
                    // An EOFException (the server hung up mid-answer) has no message: name it instead of "null".
                    String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
                    throw new PeerFailureException("rank " + rank + ": rendezvous with the driver at " + server
                            + " failed: " + why, e);
                }
                LOG.warn("rank {}: the driver's rendezvous at {} closed the connection before it took this rank's"
                        + " registration ({}; a task slower than its {} s handshake bound, as a JVM just started on a"
                        + " busy host can be); registering again, attempt {}", rank, server, e.getMessage(),
                        Handshake.WAIT.toSeconds(), attempt + 1);
                pause();
            }
        }
    }

    /** One connection: the handshake, the registration, the answer. */
    private String[] register(String address, Duration left) throws IOException {
        int colon = server.lastIndexOf(':');
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(server.substring(0, colon), Integer.parseInt(server.substring(colon + 1))),
                    (int) Math.max(1, left.toMillis()));
            socket.setTcpNoDelay(true);
            return RendezvousProtocol.register(socket, secret,
                    new RendezvousProtocol.Request(token, rank, size, address), left, cancelled);
        }
    }

    /**
     * Whether the server closed this connection, without answering, at its bound: it drops a connection whose
     * handshake and request take longer than {@link Handshake#WAIT}, before the rank counts as registered, so
     * registering again on a new connection is safe. Only a connection that broke after lasting at least that long
     * is taken for it: one dropped sooner was refused for another reason (a crypto or version mismatch, a bad
     * frame), which a new connection would only repeat. A refusal (a wrong secret, a duplicate rank, a group that
     * never completed) comes as an answer or a {@link Handshake.HandshakeException}, and a server that is gone
     * refuses the connection: neither is retried. (A rank the server did register before the connection broke is
     * refused as a duplicate on the next attempt, and fails then, as it did before.)
     */
    private static boolean droppedAtTheServersBound(IOException e, long lastedNanos) {
        boolean broke = e instanceof EOFException || (e instanceof SocketException && !(e instanceof ConnectException));
        return broke && lastedNanos >= Handshake.WAIT.toNanos();
    }

    private void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PeerFailureException("rank " + rank + ": task cancelled during rendezvous");
        }
    }
}

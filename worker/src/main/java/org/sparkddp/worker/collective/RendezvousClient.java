package org.sparkddp.worker.collective;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Exchanges ring addresses through the run's rendezvous server on the driver. Runs on executors, once per task
 * per stage.
 *
 * <p>NOTE: Spark's own {@code BarrierTaskContext.allGather} would do, but in Spark 3.5 it polls for its answer
 * with a one-second sleep, which cost about a second per stage here. This answers as soon as the last rank
 * arrives.
 */
public final class RendezvousClient implements PeerRing.AddressExchange {
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
        int colon = server.lastIndexOf(':');
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(server.substring(0, colon), Integer.parseInt(server.substring(colon + 1))),
                    (int) Math.max(1, timeout.toMillis()));
            socket.setTcpNoDelay(true);
            return RendezvousProtocol.register(socket, secret,
                    new RendezvousProtocol.Request(token, rank, size, address), timeout, cancelled);
        } catch (SocketTimeoutException e) {
            if (cancelled.getAsBoolean()) {
                throw new PeerFailureException("rank " + rank + ": task cancelled during rendezvous");
            }
            throw new PeerFailureException("rank " + rank + ": not all " + size + " ranks reached the rendezvous within "
                    + timeout);
        } catch (IOException e) {
            // An EOFException (the server hung up mid-answer) has no message: name it instead of printing "null".
            String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            throw new PeerFailureException("rank " + rank + ": rendezvous with the driver at " + server + " failed: "
                    + why, e);
        }
    }
}

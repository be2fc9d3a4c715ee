package org.sparkddp.worker.collective;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
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
    private final String secret;
    private final String token;
    private final int rank;
    private final int size;
    private final Duration timeout;
    private final BooleanSupplier cancelled;

    /**
     * @param server host:port of the driver's rendezvous server
     * @param token  identifies the stage attempt: ranks with the same token form one ring
     */
    public RendezvousClient(String server, String secret, String token, int rank, int size, Duration timeout,
                            BooleanSupplier cancelled) {
        this.server = server;
        this.secret = secret;
        this.token = token;
        this.rank = rank;
        this.size = size;
        this.timeout = timeout;
        this.cancelled = cancelled;
    }

    @Override
    public String[] allGather(String address) {
        Deadline deadline = Deadline.after(timeout, cancelled);
        int colon = server.lastIndexOf(':');
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(server.substring(0, colon), Integer.parseInt(server.substring(colon + 1))),
                    (int) Math.max(1, timeout.toMillis()));
            socket.setTcpNoDelay(true);
            RendezvousProtocol.writeRequest(new DataOutputStream(socket.getOutputStream()),
                    new RendezvousProtocol.Request(secret, token, rank, size, address));
            InputStream in = new BufferedInputStream(socket.getInputStream());
            awaitAnswer(socket, in, deadline);
            socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            return RendezvousProtocol.readResponse(new DataInputStream(in));
        } catch (IOException e) {
            // An EOFException (the server hung up mid-answer) has no message: name it instead of printing "null".
            String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            throw new PeerFailureException("rank " + rank + ": rendezvous with the driver at " + server + " failed: "
                    + why, e);
        }
    }

    /**
     * Waits for the first byte of the answer in slices of at most a second, so that a killed task stops waiting;
     * the last slice ends at the deadline rather than up to a second after it.
     */
    private void awaitAnswer(Socket socket, InputStream in, Deadline deadline) throws IOException {
        while (true) {
            socket.setSoTimeout((int) deadline.sliceMillis());
            in.mark(1);
            try {
                if (in.read() < 0) {
                    throw new PeerFailureException("rank " + rank + ": the rendezvous at " + server + " closed the connection");
                }
                in.reset();
                return;
            } catch (SocketTimeoutException e) {
                deadline.check(() -> "rank " + rank + ": not all " + size + " ranks reached the rendezvous within "
                        + timeout, () -> "rank " + rank + ": task cancelled during rendezvous");
            }
        }
    }
}

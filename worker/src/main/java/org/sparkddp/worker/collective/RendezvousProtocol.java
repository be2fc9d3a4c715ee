package org.sparkddp.worker.collective;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.time.Duration;

/**
 * The wire format between a stage's tasks (executors) and the run's rendezvous server (driver). Each connection
 * opens with the {@link Handshake} (the task as dialer, naming its stage attempt's token as the context; the
 * server as rank -1), so the secret is proven, never sent; then the task sends one request, {@code token, rank,
 * size, address}, and gets back either every rank's address or an error, each one message in the connection's
 * {@link Frames} (CRC-32C, or AES-GCM with wire crypto).
 */
public final class RendezvousProtocol {
    /** The rank the server answers a handshake as. */
    static final int SERVER_RANK = -1;
    /** Longest request or answer: a few addresses per rank. */
    static final int MAX_MESSAGE_BYTES = 1 << 20;
    private static final int OK = 0;
    private static final int ERROR = 1;

    private RendezvousProtocol() {
    }

    /** One task's registration. */
    public record Request(String token, int rank, int size, String address) {
    }

    /**
     * The server's side of one connection, up to a valid request: the handshake, then the request, both within
     * {@link Handshake#WAIT}.
     *
     * @return the request, and the frames for the answer
     * @throws IOException naming what was wrong, for a connection that is not a task of this run
     */
    public static Accepted accept(Socket socket, WireSecret secret) throws IOException {
        HandshakeIo io = HandshakeIo.of(socket, Deadline.after(Handshake.WAIT, () -> false));
        Handshake.Result hello = Handshake.accept(io, secret, token -> true, SERVER_RANK);
        byte[] message;
        try {
            message = hello.frames().openMessage(io, MAX_MESSAGE_BYTES);
        } catch (Frames.FrameException e) {
            throw new IOException("a request " + e.getMessage());
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(message));
        Request request = new Request(in.readUTF(), in.readInt(), in.readInt(), in.readUTF());
        if (!request.token().equals(hello.context()) || request.rank() != hello.peerRank()) {
            throw new IOException("a request whose token or rank differs from its handshake's");
        }
        return new Accepted(request, hello.frames());
    }

    /** A request that passed the handshake, and the frames to answer it in. */
    public record Accepted(Request request, Frames frames) {
        public void answer(Socket socket, String[] addresses) throws IOException {
            send(socket, frames, out -> {
                out.writeInt(OK);
                out.writeInt(addresses.length);
                for (String a : addresses) {
                    out.writeUTF(a);
                }
            });
        }

        public void refuse(Socket socket, String message) throws IOException {
            send(socket, frames, out -> {
                out.writeInt(ERROR);
                out.writeUTF(message);
            });
        }
    }

    /**
     * The task's side: the handshake, the request, then the answer, every wait within {@code timeout}.
     *
     * @throws IOException also when the server refused the request, with the server's reason as its message
     */
    static String[] register(Socket socket, WireSecret secret, Request request, Duration timeout,
                             java.util.function.BooleanSupplier cancelled) throws IOException {
        HandshakeIo io = HandshakeIo.of(socket, Deadline.after(timeout, cancelled));
        Frames frames = Handshake.dial(io, secret, request.token(), request.rank(), SERVER_RANK);
        send(socket, frames, out -> {
            out.writeUTF(request.token());
            out.writeInt(request.rank());
            out.writeInt(request.size());
            out.writeUTF(request.address());
        });
        byte[] message;
        try {
            message = frames.openMessage(io, MAX_MESSAGE_BYTES);
        } catch (Frames.FrameException e) {
            throw new IOException("an answer " + e.getMessage());
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(message));
        if (in.readInt() != OK) {
            throw new IOException(in.readUTF());
        }
        String[] addresses = new String[in.readInt()];
        for (int i = 0; i < addresses.length; i++) {
            addresses[i] = in.readUTF();
        }
        return addresses;
    }

    @FunctionalInterface
    private interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    private static void send(Socket socket, Frames frames, Body body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            body.write(out);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        socket.getOutputStream().write(frames.sealMessage(bytes.toByteArray()));
        socket.getOutputStream().flush();
    }
}

package org.sparkddp.worker.collective;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The wire format between a stage's tasks (executors) and the run's rendezvous server (driver): each task sends
 * one request, {@code MAGIC, secret, token, rank, size, address}, and gets back either every rank's address or an
 * error. The secret is the run's, so a stray process cannot join a ring.
 */
public final class RendezvousProtocol {
    static final int MAGIC = 0x53444452; // "SDDR"
    private static final int OK = 0;
    private static final int ERROR = 1;

    private RendezvousProtocol() {
    }

    /** One task's registration. */
    public record Request(String secret, String token, int rank, int size, String address) {
    }

    static void writeRequest(DataOutputStream out, Request r) throws IOException {
        out.writeInt(MAGIC);
        out.writeUTF(r.secret());
        out.writeUTF(r.token());
        out.writeInt(r.rank());
        out.writeInt(r.size());
        out.writeUTF(r.address());
        out.flush();
    }

    /** @return the request, or null if the stream does not speak this protocol */
    public static Request readRequest(DataInputStream in) throws IOException {
        if (in.readInt() != MAGIC) {
            return null;
        }
        return new Request(in.readUTF(), in.readUTF(), in.readInt(), in.readInt(), in.readUTF());
    }

    public static void writeAddresses(DataOutputStream out, String[] addresses) throws IOException {
        out.writeInt(OK);
        out.writeInt(addresses.length);
        for (String a : addresses) {
            out.writeUTF(a);
        }
        out.flush();
    }

    public static void writeError(DataOutputStream out, String message) throws IOException {
        out.writeInt(ERROR);
        out.writeUTF(message);
        out.flush();
    }

    /** @throws IOException also when the server refused the request, with the server's reason as its message */
    static String[] readResponse(DataInputStream in) throws IOException {
        int status = in.readInt();
        if (status != OK) {
            throw new IOException(in.readUTF());
        }
        String[] addresses = new String[in.readInt()];
        for (int i = 0; i < addresses.length; i++) {
            addresses[i] = in.readUTF();
        }
        return addresses;
    }

    /** Constant-time comparison, so that timing does not leak the secret. */
    public static boolean sameSecret(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}

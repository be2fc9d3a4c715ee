package org.sparkddp.worker.collective;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * Whole-buffer reads and writes for the handshake and the rendezvous's messages, every one bounded by a
 * {@link Deadline} as a whole, so that a peer that trickles one byte a second is dropped at the bound like a
 * silent one. Runs on executors (ring connections, over a channel) and on both ends of the rendezvous (over a
 * socket's streams).
 */
interface HandshakeIo {
    /** Fills {@code b} from its position to its limit. */
    void readFully(ByteBuffer b) throws IOException;

    /** Writes {@code b} from its position to its limit. */
    void write(ByteBuffer b) throws IOException;

    /** Over a socket channel, made non-blocking; the channel stays so (the collective's transfers need that). */
    static HandshakeIo of(SocketChannel channel, Deadline deadline) {
        return new HandshakeIo() {
            @Override
            public void readFully(ByteBuffer b) throws IOException {
                pump(b, SelectionKey.OP_READ);
            }

            @Override
            public void write(ByteBuffer b) throws IOException {
                pump(b, SelectionKey.OP_WRITE);
            }

            private void pump(ByteBuffer b, int op) throws IOException {
                channel.configureBlocking(false);
                try (Selector selector = Selector.open()) {
                    channel.register(selector, op);
                    while (b.hasRemaining()) {
                        int n = op == SelectionKey.OP_READ ? channel.read(b) : channel.write(b);
                        if (n < 0) {
                            throw new EOFException("the connection closed during the handshake");
                        }
                        if (b.hasRemaining()) {
                            if (deadline.passed() || deadline.cancelled()) {
                                throw new SocketTimeoutException("the handshake did not finish within "
                                        + deadline.timeout().toMillis() + " ms");
                            }
                            if (n == 0) {
                                deadline.select(selector);
                            }
                        }
                    }
                }
                // The channel stays registered with a closed selector until its next select; the collective
                // registers it with its own.
            }
        };
    }

    /** Over a socket's streams: each read waits at most what is left of the deadline. */
    static HandshakeIo of(Socket socket, Deadline deadline) throws IOException {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        return new HandshakeIo() {
            @Override
            public void readFully(ByteBuffer b) throws IOException {
                while (b.hasRemaining()) {
                    if (deadline.passed() || deadline.cancelled()) {
                        throw new SocketTimeoutException("no complete message within "
                                + deadline.timeout().toMillis() + " ms");
                    }
                    // In slices of at most a second, so that a cancelled task stops waiting within one.
                    socket.setSoTimeout((int) deadline.sliceMillis());
                    byte[] chunk = new byte[Math.min(b.remaining(), 64 << 10)];
                    int n;
                    try {
                        n = in.read(chunk);
                    } catch (SocketTimeoutException e) {
                        continue;
                    }
                    if (n < 0) {
                        throw new EOFException("the connection closed mid-message");
                    }
                    b.put(chunk, 0, n);
                }
            }

            @Override
            public void write(ByteBuffer b) throws IOException {
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                out.write(bytes);
                out.flush();
            }
        };
    }
}

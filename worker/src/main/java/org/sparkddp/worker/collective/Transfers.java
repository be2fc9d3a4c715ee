package org.sparkddp.worker.collective;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Moves bytes between this rank and its peers over non-blocking sockets: one call writes to one peer while it
 * reads from another (or the same), until both are done, with every wait bounded by a {@link Deadline}. Runs on
 * executors, inside a barrier task; one per collective, used by one thread.
 *
 * <p>Every failure is one {@link PeerFailureException} naming this rank, the peer and the step: a peer that closes
 * its socket fails the call at once, a silent one after the timeout, a cancelled task within a second, an
 * interrupted thread at once.
 */
final class Transfers implements AutoCloseable {
    /**
     * One end of a connection, as messages name it.
     *
     * @param name       in "waiting for data from NAME" and "room to send to NAME"
     * @param closedName in "CLOSEDNAME closed its connection"
     */
    record Peer(Link link, String name, String closedName) {
        static Peer of(Link link, String name) {
            return new Peer(link, name, name);
        }

        SocketChannel channel() {
            return link.channel();
        }
    }

    private final String self;
    private final Selector selector;
    private final Map<SocketChannel, SelectionKey> keys = new IdentityHashMap<>();
    private final Duration timeout;
    private final BooleanSupplier cancelled;
    /** Payload bytes handed to frames so far (frame headers and tags not counted). */
    private long sent;

    /**
     * @param self     how messages name this rank ("rank 3")
     * @param channels connected sockets to every peer this rank will talk to; made non-blocking here
     */
    Transfers(String self, List<SocketChannel> channels, Duration timeout, BooleanSupplier cancelled)
            throws IOException {
        this.self = self;
        this.timeout = timeout;
        this.cancelled = cancelled;
        Selector opened = Selector.open();
        try {
            for (SocketChannel channel : channels) {
                if (!keys.containsKey(channel)) {
                    channel.configureBlocking(false);
                    keys.put(channel, channel.register(opened, 0));
                }
            }
        } catch (IOException | RuntimeException e) {
            opened.close();
            throw e;
        }
        this.selector = opened;
    }

    /**
     * Writes {@code out} to {@code to} while reading {@code in} from {@code from}, until both are done. Either peer
     * may be null when there is nothing to send or to receive.
     */
    void exchange(Peer to, ByteBuffer[] out, Peer from, ByteBuffer[] in, String phase, long step) {
        Deadline deadline = Deadline.after(timeout, cancelled);
        FramePumps.Sender sender = to != null && hasRemaining(out) ? new FramePumps.Sender(to.link().frames(), out) : null;
        FramePumps.Receiver receiver = from != null && hasRemaining(in)
                ? new FramePumps.Receiver(from.link().frames(), in) : null;
        boolean sending = sender != null;
        boolean receiving = receiver != null;
        if (sending) {
            for (ByteBuffer b : out) {
                sent += b.remaining();
            }
        }
        Peer current = to;
        try {
            while (sending || receiving) {
                boolean progress = false;
                if (sending) {
                    current = to;
                    progress = sender.pump(to.channel()) > 0;
                    sending = !sender.done();
                }
                if (receiving) {
                    current = from;
                    long read = receiver.pump(from.channel());
                    if (read < 0) {
                        throw new PeerFailureException(self + ": " + from.closedName() + " closed its connection during "
                                + phase + " step " + step);
                    }
                    progress |= read > 0;
                    receiving = !receiver.done();
                }
                if (!progress && (sending || receiving)) {
                    boolean waitingToReceive = receiving;
                    Supplier<String> waitingFor = () -> (waitingToReceive ? "data from " + from.name()
                            : "room to send to " + to.name()) + " during " + phase + " step " + step;
                    if (Thread.currentThread().isInterrupted()) {
                        // An overlapped step's communication thread, stopped when its stage ends: while the flag is
                        // set the selector returns at once, so the wait would spin until the timeout.
                        throw new PeerFailureException(self + ": interrupted while waiting for " + waitingFor.get());
                    }
                    deadline.check(() -> self + ": timed out after " + timeout + " waiting for " + waitingFor.get(),
                            () -> self + ": task cancelled during " + phase);
                    await(to, sending, from, receiving, deadline);
                }
            }
        } catch (Frames.FrameException e) {
            // NOTE: the frame's bytes may already sit in the caller's buffer; the stage fails, so nothing sums them.
            throw new PeerFailureException(self + ": " + e.getMessage() + ", from " + from.name() + " during " + phase
                    + " step " + step);
        } catch (IOException e) {
            throw new PeerFailureException(self + ": connection to " + current.name() + " failed during " + phase
                    + " step " + step + ": " + e.getMessage(), e);
        }
    }

    private void await(Peer to, boolean sending, Peer from, boolean receiving, Deadline deadline) throws IOException {
        for (SelectionKey key : keys.values()) {
            key.interestOps(0);
        }
        if (sending) {
            keys.get(to.channel()).interestOps(SelectionKey.OP_WRITE);
        }
        if (receiving) {
            SelectionKey key = keys.get(from.channel());
            key.interestOps(key.interestOps() | SelectionKey.OP_READ);
        }
        deadline.select(selector);
    }

    /** Payload bytes this rank has sent through {@link #exchange} so far. */
    long bytesSent() {
        return sent;
    }

    static boolean hasRemaining(ByteBuffer[] buffers) {
        for (ByteBuffer b : buffers) {
            if (b.hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    /** Closes the selector, not the channels (their owner closes them); best effort. */
    @Override
    public void close() {
        try {
            selector.close();
        } catch (IOException ignored) {
            // Best effort: the stage is over either way.
        }
    }
}

package org.sparkddp.worker.collective;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Moves one exchange's bytes as {@link Frames} over a non-blocking channel, a little per call, so that one thread
 * can send to one peer while it receives from another ({@link Transfers}). Both ends cut the same byte count into
 * the same frames, so a receiver knows each frame's length before it arrives and refuses any other. Runs on
 * executors.
 */
final class FramePumps {
    private FramePumps() {
    }

    /** Cuts positioned buffers into consecutive windows of at most {@link Frames#MAX_PAYLOAD} bytes. */
    private static final class Windows {
        private final ByteBuffer[] buffers;
        private int index;
        private long left;

        Windows(ByteBuffer[] source) {
            buffers = new ByteBuffer[source.length];
            for (int i = 0; i < source.length; i++) {
                buffers[i] = source[i].duplicate();
                left += buffers[i].remaining();
            }
        }

        boolean done() {
            return left == 0;
        }

        int nextLength() {
            return (int) Math.min(Frames.MAX_PAYLOAD, left);
        }

        /** The next window's buffers, duplicates positioned over its bytes. */
        ByteBuffer[] next(int length) {
            List<ByteBuffer> window = new ArrayList<>(2);
            int need = length;
            while (need > 0) {
                ByteBuffer b = buffers[index];
                if (!b.hasRemaining()) {
                    index++;
                    continue;
                }
                int take = Math.min(need, b.remaining());
                ByteBuffer part = b.duplicate();
                part.limit(part.position() + take);
                b.position(b.position() + take);
                window.add(part);
                need -= take;
            }
            left -= length;
            return window.toArray(new ByteBuffer[0]);
        }
    }

    /** Writes {@code out} to one channel, frame by frame. */
    static final class Sender {
        private final Frames frames;
        private final Windows windows;
        private ByteBuffer[] frame = new ByteBuffer[0];

        Sender(Frames frames, ByteBuffer[] out) {
            this.frames = frames;
            this.windows = new Windows(out);
        }

        boolean done() {
            return windows.done() && !Transfers.hasRemaining(frame);
        }

        /** @return bytes written (0 when the socket buffer is full) */
        long pump(SocketChannel channel) throws IOException {
            long written = 0;
            while (!done()) {
                if (!Transfers.hasRemaining(frame)) {
                    int length = windows.nextLength();
                    frame = frames.seal(windows.next(length), length);
                }
                long n = channel.write(frame);
                written += n;
                if (n == 0 || Transfers.hasRemaining(frame)) {
                    break;
                }
            }
            return written;
        }
    }

    /** Reads into {@code in} from one channel, frame by frame, checking each as it completes. */
    static final class Receiver {
        private final Frames frames;
        private final Windows windows;
        private ByteBuffer[] window;
        private ByteBuffer[] frame = new ByteBuffer[0];
        private int length;

        Receiver(Frames frames, ByteBuffer[] in) {
            this.frames = frames;
            this.windows = new Windows(in);
        }

        boolean done() {
            return windows.done() && window == null;
        }

        /** @return bytes read (0 when nothing was there), or -1 once the peer closed the connection */
        long pump(SocketChannel channel) throws IOException, Frames.FrameException {
            long read = 0;
            while (!done()) {
                if (window == null) {
                    length = windows.nextLength();
                    window = windows.next(length);
                    frame = frames.receiveBuffers(window, length);
                }
                long n = channel.read(frame);
                if (n < 0) {
                    return -1;
                }
                read += n;
                if (Transfers.hasRemaining(frame)) {
                    break;
                }
                frames.open(frame, window, length);
                window = null;
            }
            return read;
        }
    }
}

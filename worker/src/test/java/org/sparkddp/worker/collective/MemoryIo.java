package org.sparkddp.worker.collective;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;

/** A handshake's far end in memory: reads come from fixed bytes, writes are recorded. */
final class MemoryIo implements HandshakeIo {
    private final ByteBuffer in;
    final ByteArrayOutputStream written = new ByteArrayOutputStream();

    MemoryIo(byte[] in) {
        this.in = ByteBuffer.wrap(in);
    }

    @Override
    public void readFully(ByteBuffer b) throws EOFException {
        if (in.remaining() < b.remaining()) {
            in.position(in.limit());
            throw new EOFException("the connection closed during the handshake");
        }
        ByteBuffer part = in.duplicate();
        part.limit(part.position() + b.remaining());
        b.put(part);
        in.position(part.limit());
    }

    @Override
    public void write(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        written.writeBytes(bytes);
    }

    /** How many of the given bytes were read. */
    int consumed() {
        return in.position();
    }
}

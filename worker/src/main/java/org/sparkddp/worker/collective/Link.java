package org.sparkddp.worker.collective;

import java.nio.channels.SocketChannel;

/**
 * One authenticated connection to a peer and the framing both ends agreed on in its {@link Handshake}. Runs on
 * executors, for one stage.
 */
record Link(SocketChannel channel, Frames frames) {
    /** A connection set up without a handshake (tests wire rings by hand): CRC-32C frames. */
    static Link unauthenticated(SocketChannel channel) {
        return new Link(channel, channel == null ? null : Frames.crc());
    }
}

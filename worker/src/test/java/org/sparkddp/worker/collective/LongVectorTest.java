package org.sparkddp.worker.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * 64-bit sizes: a vector of more than 2^31 floats is many segments, and offsets, chunks and pieces past 2^31 land
 * where they should. The vector here repeats one 1 MiB segment 8,704 times (2^31 + 2^27 floats), so the test needs
 * 1 MiB, not 8 GiB.
 */
class LongVectorTest {
    private static final int SEGMENT_FLOATS = 1 << 18;
    private static final int SEGMENTS = 8_704; // 2^31 / 2^18 = 8,192, and 512 more

    @Test
    void offsetsPastTwoToTheThirtyOneAddressTheRightSegmentAndFloat() {
        ByteBuffer segment = ByteBuffer.allocateDirect(SEGMENT_FLOATS * Float.BYTES).order(ByteOrder.nativeOrder());
        ByteBuffer[] segments = new ByteBuffer[SEGMENTS];
        Arrays.fill(segments, segment);
        FloatVector vector = new FloatVector(segments);
        long n = (long) SEGMENTS * SEGMENT_FLOATS;
        assertEquals(n, vector.length());
        assertTrue(n > Integer.MAX_VALUE);

        long from = (1L << 31) + 5; // float 5 of segment 8,192
        ByteBuffer[] one = vector.slice(from, from + 3);
        assertEquals(1, one.length);
        assertEquals(5 * Float.BYTES, one[0].position());
        assertEquals(3 * Float.BYTES, one[0].remaining());
        one[0].asFloatBuffer().put(new float[] {1f, 2f, 3f});
        assertEquals(2f, segment.getFloat(6 * Float.BYTES), "the write went to float 6 of the shared segment");

        ByteBuffer[] across = vector.slice((1L << 31) - 2, (1L << 31) + 2);
        assertEquals(2, across.length, "a range over a segment boundary is two buffers");
        assertEquals(2 * Float.BYTES, across[0].remaining());
        assertEquals(2 * Float.BYTES, across[1].remaining());
    }

    @Test
    void chunksAndPiecesOfAVeryLongVectorTileIt() {
        long n = 3L << 31; // 6 Gi floats, 24 GiB
        Chunks chunks = Chunks.equal(7);
        long covered = 0;
        for (int c = 0; c < 7; c++) {
            long length = chunks.end(n, c) - chunks.start(n, c);
            assertTrue(Math.abs(length - n / 7.0) <= 1, "chunk " + c + " is " + length);
            covered += length;
        }
        assertEquals(n, covered);
        assertEquals(n, chunks.end(n, 6));

        Pieces pieces = new Pieces(chunks.start(n, 3), chunks.end(n, 3), RingCollective.PIECE_FLOATS);
        assertEquals(chunks.end(n, 3), pieces.to(pieces.count() - 1));
        assertTrue(pieces.to(0) - pieces.from(0) == RingCollective.PIECE_FLOATS);
        assertEquals(pieces.to(pieces.count()), pieces.from(pieces.count()), "a piece past the end is empty");
    }

    @Test
    void weightedChunksFollowTheirWeights() {
        Chunks chunks = new Chunks(new int[] {1, 3});
        assertEquals(25, chunks.end(100, 0));
        assertEquals(100, chunks.end(100, 1));
        assertThrows(IllegalArgumentException.class, () -> new Chunks(new int[] {1, 0}));
    }

    @Test
    void aDeadlineThatPassedFailsWithTheCallersMessageAndCancellationWithItsOwn() throws Exception {
        Deadline passed = Deadline.after(Duration.ofMillis(1), () -> false);
        Thread.sleep(5);
        assertTrue(passed.passed());
        assertEquals(1, passed.sliceMillis(), "a passed deadline still blocks for at least a millisecond");
        PeerFailureException timedOut = assertThrows(PeerFailureException.class,
                () -> passed.check(() -> "rank 0: timed out", () -> "rank 0: cancelled"));
        assertEquals("rank 0: timed out", timedOut.getMessage());

        Deadline cancelled = Deadline.after(Duration.ofHours(1), () -> true);
        assertTrue(cancelled.sliceMillis() <= Deadline.POLL_MILLIS, "slices poll the cancelled flag every second");
        PeerFailureException stopped = assertThrows(PeerFailureException.class,
                () -> cancelled.check(() -> "rank 0: timed out", () -> "rank 0: cancelled"));
        assertEquals("rank 0: cancelled", stopped.getMessage());
        assertTrue(cancelled.within(Duration.ofMillis(1)).remainingMillis() <= 1, "within shortens, never lengthens");
    }
}

package org.sparkddp.worker.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The format-2 chunk file: round trip, 64-bit header math, and one-line refusals naming the file. */
class ChunkFileTest {
    private static final String FILE = "/ckpt/ckpt-000000000020/state-00003.bin";

    private static ByteBuffer floats(int n, long seed) {
        ByteBuffer chunk = ByteBuffer.allocate(n * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        Random random = new Random(seed);
        for (int i = 0; i < n; i++) {
            chunk.putFloat(random.nextFloat() - 0.5f);
        }
        return chunk.flip();
    }

    private static byte[] file(int chunk, ByteBuffer floats, long[] crc) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        crc[0] = ChunkFile.write(out, chunk, floats);
        return out.toByteArray();
    }

    private static String refusal(byte[] bytes, int chunk, long floats, long crc) {
        return assertThrows(CorruptChunkException.class,
                () -> ChunkFile.read(new ByteArrayInputStream(bytes), FILE, chunk, floats, crc)).getMessage();
    }

    @Test
    void aChunkRoundTripsBitwiseWithItsSizeAndChecksum() throws IOException {
        // Over one streaming piece (1 MiB), so the write loop runs more than once.
        ByteBuffer chunk = floats(300_001, 1);
        long[] crc = new long[1];
        byte[] bytes = file(3, chunk, crc);
        assertEquals(ChunkFile.fileBytes(300_001), bytes.length);
        assertEquals(0, chunk.position(), "the writer must leave the caller's buffer as it was");
        java.util.zip.CRC32C expected = new java.util.zip.CRC32C();
        expected.update(chunk.duplicate());
        assertEquals(expected.getValue(), crc[0], "the file's checksum is the state's per-chunk CRC-32C");
        ByteBuffer back = ChunkFile.read(new ByteArrayInputStream(bytes), FILE, 3, 300_001, crc[0]);
        assertEquals(chunk, back);
        assertEquals(ByteOrder.LITTLE_ENDIAN, back.order());
    }

    @Test
    void theHeaderCarriesCountsOver2To31AndSizesAreComputedIn64Bits() {
        long floats = 3_000_000_000L; // 12 GB of floats: never allocated, only described
        assertEquals(24 + 4 + 12_000_000_000L, ChunkFile.fileBytes(floats));
        ChunkFile.Header header = ChunkFile.parseHeader(ChunkFile.header(70_000, floats), FILE);
        assertEquals(70_000, header.chunk());
        assertEquals(floats, header.floats());
        assertEquals(5L * Integer.MAX_VALUE * 4 + 28, ChunkFile.fileBytes(5L * Integer.MAX_VALUE));
        assertThrows(ArithmeticException.class, () -> ChunkFile.fileBytes(Long.MAX_VALUE / 2));
        // A header whose chunk is too large for one buffer is refused, naming the file, before any allocation.
        byte[] huge = ChunkFile.header(3, floats);
        String message = refusal(huge, 3, floats, 0);
        assertTrue(message.startsWith(FILE + ": holds a chunk of 12000000000 bytes, larger than one buffer"),
                message);
        assertEquals("state-00003.bin", ChunkFile.name(3));
        assertEquals("state-123456.bin", ChunkFile.name(123_456));
    }

    @Test
    void aFlippedByteATruncationOrAnotherChunkIsRefusedNamingTheFile() throws IOException {
        long[] crc = new long[1];
        byte[] good = file(3, floats(1000, 2), crc);

        byte[] flipped = good.clone();
        flipped[ChunkFile.HEADER_BYTES + 1234] ^= 0x10;
        assertEquals(FILE + ": is corrupt: its checksum does not match", refusal(flipped, 3, 1000, crc[0]));

        byte[] trailer = good.clone();
        trailer[trailer.length - 1] ^= 0x01;
        assertEquals(FILE + ": is corrupt: its checksum does not match", refusal(trailer, 3, 1000, crc[0]));

        String truncated = refusal(Arrays.copyOf(good, good.length - 10), 3, 1000, crc[0]);
        assertTrue(truncated.startsWith(FILE + ": is truncated: "), truncated);
        String tiny = refusal(Arrays.copyOf(good, 10), 3, 1000, crc[0]);
        assertTrue(tiny.startsWith(FILE + ": is truncated: 10 bytes"), tiny);

        String longer = refusal(Arrays.copyOf(good, good.length + 1), 3, 1000, crc[0]);
        assertTrue(longer.startsWith(FILE + ": is longer than its header says"), longer);

        String other = refusal(good, 4, 1000, crc[0]);
        assertEquals(FILE + ": holds chunk 3 of 1000 floats, but the checkpoint lists chunk 4 of 1000 here", other);

        // The manifest's checksum must match too: a self-consistent file of another state is refused.
        assertEquals(FILE + ": is corrupt: its checksum does not match", refusal(good, 3, 1000, crc[0] ^ 1));

        byte[] magic = good.clone();
        magic[0] = 'X';
        assertEquals(FILE + ": is not a spark-ddp checkpoint chunk (wrong magic)", refusal(magic, 3, 1000, crc[0]));
        byte[] format = good.clone();
        format[8] = 1;
        assertEquals(FILE + ": has chunk format 1; this version reads 2", refusal(format, 3, 1000, crc[0]));
    }
}

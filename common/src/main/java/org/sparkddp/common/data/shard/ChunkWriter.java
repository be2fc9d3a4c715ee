package org.sparkddp.common.data.shard;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Appends a shard's bytes: into chunks in memory while they fit the storage's budget; once they would not, the
 * chunks written so far go to a file on the executor's local disk, once, and the rest follows them there. Runs on
 * the executor that builds the shard. Not thread-safe.
 */
public final class ChunkWriter {
    /** The first chunk's capacity: a small shard does not take a whole chunk of memory. */
    private static final int FIRST_CAPACITY = 1 << 16;

    private final int chunkBytes;
    private final long budget;
    private final List<byte[]> full = new ArrayList<>();
    private byte[] current;
    private int used;
    private long size;
    private Path spillPath;
    private OutputStream spill;

    /** Resolves the storage's budget here, on the executor. */
    public ChunkWriter(ShardStorage storage) {
        this.chunkBytes = storage.chunkBytes();
        this.budget = storage.budget();
        this.current = new byte[Math.min(chunkBytes, FIRST_CAPACITY)];
    }

    public long size() {
        return size;
    }

    /** Whether the bytes went to disk. */
    public boolean spilled() {
        return spillPath != null;
    }

    public void write(byte[] src, int offset, int length) {
        if (spill == null && size + length > budget) {
            spillNow();
        }
        if (spill != null) {
            try {
                spill.write(src, offset, length);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the spilled shard " + spillPath, e);
            }
        } else {
            append(src, offset, length);
        }
        size += length;
    }

    private void append(byte[] src, int offset, int length) {
        while (length > 0) {
            if (used == current.length) {
                if (current.length < chunkBytes) {
                    current = Arrays.copyOf(current, (int) Math.min(chunkBytes, 2L * current.length));
                } else {
                    full.add(current);
                    current = new byte[Math.min(chunkBytes, FIRST_CAPACITY)];
                    used = 0;
                }
            }
            int n = Math.min(length, current.length - used);
            System.arraycopy(src, offset, current, used, n);
            used += n;
            offset += n;
            length -= n;
        }
    }

    private void spillNow() {
        spillPath = SpillDirectory.newFile();
        try {
            spill = new BufferedOutputStream(Files.newOutputStream(spillPath), 1 << 20);
            for (byte[] chunk : full) {
                spill.write(chunk);
            }
            spill.write(current, 0, used);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot spill a shard to " + spillPath, e);
        }
        full.clear();
        current = null;
        used = 0;
    }

    /** The bytes written, in memory or on disk. The writer is done. */
    public ByteStore finish() {
        if (spill != null) {
            try {
                spill.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the spilled shard " + spillPath, e);
            }
            return SpilledBytes.open(spillPath, size);
        }
        List<byte[]> chunks = new ArrayList<>(full);
        if (used > 0) {
            chunks.add(used == current.length ? current : Arrays.copyOf(current, used));
        }
        full.clear();
        current = null;
        return new ChunkedBytes(chunkBytes, size, new InMemoryChunks(chunks.toArray(byte[][]::new)));
    }
}

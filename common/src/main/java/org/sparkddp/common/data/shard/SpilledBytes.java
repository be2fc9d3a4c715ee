package org.sparkddp.common.data.shard;

import java.nio.file.Path;

/**
 * A shard's bytes in a file on this executor's local disk, read with positional reads every epoch, the next
 * batches read ahead ({@link #prefetch}). Runs on the executor that wrote the file: it is never serialized to
 * another JVM (the Kryo registrator refuses it; it is not {@link java.io.Serializable}).
 *
 * <p>Holds only the file's name, size and registry id ({@link SpillFile} explains why); the file is deleted when
 * this handle becomes unreachable, on {@link #release}, or when the JVM exits.
 */
public final class SpilledBytes implements ByteStore {
    private final String path;
    private final long size;
    private final long id;

    private SpilledBytes(Path path, long size) {
        this.path = path.toString();
        this.size = size;
        this.id = SpillFile.open(path, this);
        path.toFile().deleteOnExit();
    }

    /** The file {@code path}, {@code size} bytes, already written and closed. */
    static SpilledBytes open(Path path, long size) {
        return new SpilledBytes(path, size);
    }

    public Path path() {
        return Path.of(path);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long offset, byte[] dst, int dstOffset, int length) {
        ByteStore.checkRange(offset, length, size);
        SpillFile file = SpillFile.of(id, path);
        if (!file.readAhead.serve(offset, dst, dstOffset, length)) {
            file.readDirect(offset, dst, dstOffset, length);
        }
    }

    @Override
    public void prefetch(long[] offsets, int length) {
        for (long offset : offsets) {
            ByteStore.checkRange(offset, length, size);
        }
        SpillFile.of(id, path).readAhead.request(offsets, length);
    }

    /** Closes and deletes the file now; later reads fail. */
    public void release() {
        SpillFile.release(id);
    }

    /** Shards spilled in this JVM so far: for tests and diagnostics. */
    public static long spilledInThisJvm() {
        return SpillFile.opened();
    }

    /** Whether the file is still open (not released, not cleaned). */
    public boolean isOpen() {
        return SpillFile.isOpen(id);
    }
}

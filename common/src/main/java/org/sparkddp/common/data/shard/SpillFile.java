package org.sparkddp.common.data.shard;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The open file behind a {@link SpilledBytes}, kept in a registry of this JVM rather than in the handle.
 * Runs on an executor.
 *
 * <p>NOTE: the handle sits in Spark's memory store, whose size estimate walks every object it reaches; a channel
 * or a reader thread reached from it would make the estimate walk class loaders. So the handle holds an id and
 * this registry holds the resources. The file is deleted when the handle becomes unreachable (Spark dropped or
 * unpersisted the shard: a {@link Cleaner} runs), when it is released, or when the JVM exits.
 */
final class SpillFile {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final Map<Long, SpillFile> OPEN = new ConcurrentHashMap<>();
    /** Ids in opening order: their count is the number of files spilled in this JVM. */
    private static final AtomicLong IDS = new AtomicLong();

    final Path path;
    private final FileChannel channel;
    final ReadAhead readAhead;
    private Cleaner.Cleanable cleanable;

    private SpillFile(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
        this.readAhead = new ReadAhead(this::readDirect);
    }

    /** Opens a written file for {@code handle}, which gets the returned id. */
    static long open(Path path, Object handle) {
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the spilled shard " + path, e);
        }
        long id = IDS.incrementAndGet();
        SpillFile file = new SpillFile(path, channel);
        OPEN.put(id, file);
        file.cleanable = CLEANER.register(handle, new Release(id));
        return id;
    }

    /** The open file of {@code id}; fails if it was released, or if the handle came from another JVM. */
    static SpillFile of(long id, String path) {
        SpillFile file = OPEN.get(id);
        if (file == null || !file.path.toString().equals(path)) {
            throw new IllegalStateException("the spilled shard " + path + " is not open in this JVM: it was released,"
                    + " or its handle left the executor that wrote it");
        }
        return file;
    }

    static long opened() {
        return IDS.get();
    }

    static boolean isOpen(long id) {
        return OPEN.containsKey(id);
    }

    /** Closes and deletes the file now, once. */
    static void release(long id) {
        SpillFile file = OPEN.get(id);
        if (file != null) {
            file.cleanable.clean();
        }
    }

    /** Positional reads: any number of threads may read at once. */
    void readDirect(long offset, byte[] dst, int dstOffset, int length) {
        ByteBuffer into = ByteBuffer.wrap(dst, dstOffset, length);
        try {
            while (into.hasRemaining()) {
                int n = channel.read(into, offset + into.position() - dstOffset);
                if (n < 0) {
                    throw new IOException("unexpected end of file at " + (offset + into.position() - dstOffset));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the spilled shard " + path, e);
        }
    }

    private void close() {
        try {
            channel.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the spilled shard " + path, e);
        }
    }

    /** What the cleaner runs: refers to the id alone, never to the handle, which must become unreachable. */
    private record Release(long id) implements Runnable {
        @Override
        public void run() {
            SpillFile file = OPEN.remove(id);
            if (file != null) {
                file.close();
            }
        }
    }
}

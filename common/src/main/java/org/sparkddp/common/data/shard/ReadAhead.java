package org.sparkddp.common.data.shard;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Reads the next batches of a spilled shard in the background: the training loop asks for iteration t + 1's
 * rows before it computes iteration t, and reads iteration t's rows from what was read meanwhile. Keeps two
 * batches, the one being consumed and the one being read. Runs on an executor.
 */
final class ReadAhead {
    /** Positional reads of a range into an array. */
    interface Reader {
        void read(long offset, byte[] dst, int dstOffset, int length);
    }

    private static final ExecutorService READERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "spark-ddp shard read-ahead");
        t.setDaemon(true);
        return t;
    });

    private final Reader reader;
    private Batch current;
    private Batch pending;

    ReadAhead(Reader reader) {
        this.reader = reader;
    }

    /** Starts reading {@code [offsets[i], offsets[i] + length)}; the batch asked for before becomes current. */
    synchronized void request(long[] offsets, int length) {
        current = pending;
        long[] copy = offsets.clone();
        pending = new Batch(copy, length, READERS.submit(() -> readAll(copy, length)));
    }

    private byte[] readAll(long[] offsets, int length) {
        byte[] bytes = new byte[Math.multiplyExact(offsets.length, length)];
        for (int i = 0; i < offsets.length; i++) {
            reader.read(offsets[i], bytes, i * length, length);
        }
        return bytes;
    }

    /** Copies the range from a batch read ahead, if one holds it (waiting for it to arrive); else false. */
    boolean serve(long offset, byte[] dst, int dstOffset, int length) {
        Batch batch;
        int index;
        synchronized (this) {
            batch = current;
            index = batch == null || batch.length != length ? -1 : batch.index(offset);
            if (index < 0) {
                batch = pending;
                index = batch == null || batch.length != length ? -1 : batch.index(offset);
            }
        }
        if (index < 0) {
            return false;
        }
        System.arraycopy(batch.bytes(), index * length, dst, dstOffset, length);
        return true;
    }

    /** One batch's ranges, and their bytes once read. */
    private static final class Batch {
        private final int length;
        private final Future<byte[]> bytes;
        private final Map<Long, Integer> positions;

        Batch(long[] offsets, int length, Future<byte[]> bytes) {
            this.length = length;
            this.bytes = bytes;
            this.positions = new HashMap<>(offsets.length * 2);
            for (int i = 0; i < offsets.length; i++) {
                positions.putIfAbsent(offsets[i], i);
            }
        }

        int index(long offset) {
            Integer i = positions.get(offset);
            return i == null ? -1 : i;
        }

        byte[] bytes() {
            try {
                return bytes.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading a spilled shard ahead", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException("reading a spilled shard ahead failed", e.getCause());
            }
        }
    }
}

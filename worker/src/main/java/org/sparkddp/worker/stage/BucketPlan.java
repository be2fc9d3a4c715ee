package org.sparkddp.worker.stage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How the overlapped step cuts an exchanged vector (the gradient, then a few scalars) into buckets, and which of the
 * backward pass's finished ranges complete each (PyTorch DDP's {@code compute_bucket_assignment_by_size}). Runs on
 * an executor, once per stage; every rank makes the same plan from the same network and cap, so every rank reduces
 * the same buckets in the same order.
 *
 * <p>A bucket is a contiguous range of floats: consecutive finished ranges (the backward pass's order, the last
 * layer's first) that are adjacent in the vector join one bucket while it stays within the cap; a range larger than
 * the cap is cut into cap-sized buckets, from its end. Whatever no finished range covers (the scalars, a layer the
 * pass never announces) forms the last buckets, reduced once the pass has ended.
 *
 * <p>NOTE: bucketing changes when floats are summed, never how: each float is summed by its owner over the ranks in
 * the collective's fixed order whatever bucket carries it, so the result is the unbucketed one, bit for bit.
 */
final class BucketPlan {
    /**
     * Floats {@code [from, to)}, reduced once {@code parts} finished ranges have fed it; 0: no range feeds it, and
     * it is reduced only once the pass has ended ({@link OverlappedReduce#finish}), never as soon as it comes next.
     */
    record Bucket(long from, long to, int parts) {
    }

    private final List<Bucket> buckets;
    /** Per finished range (index of the backward pass's order), the buckets it feeds. */
    private final int[][] feeds;

    private BucketPlan(List<Bucket> buckets, int[][] feeds) {
        this.buckets = List.copyOf(buckets);
        this.feeds = feeds;
    }

    /**
     * @param readyOrder the ranges the backward pass finishes, in its order
     *                   ({@code TrainableNetwork.gradientReadyOrder})
     * @param length     floats in the exchanged vector (the gradient's, then the scalars)
     * @param capFloats  most floats per bucket, at least 1
     */
    static BucketPlan of(List<int[]> readyOrder, long length, long capFloats) {
        if (capFloats < 1) {
            throw new IllegalArgumentException("buckets of " + capFloats + " floats");
        }
        checkDisjoint(readyOrder, length);
        List<long[]> open = new ArrayList<>(); // {from, to, parts} while being built
        List<List<Integer>> feeders = new ArrayList<>();
        long[] current = null;
        for (int k = 0; k < readyOrder.size(); k++) {
            long a = readyOrder.get(k)[0];
            long b = readyOrder.get(k)[1];
            if (a == b) {
                continue;
            }
            if (current != null && b == current[0] && current[1] - a <= capFloats) {
                current[0] = a; // adjacent below the open bucket, and it still fits: join it
                current[2]++;
                feeders.get(feeders.size() - 1).add(k);
                continue;
            }
            for (long to = b; to > a; to = Math.max(a, to - capFloats)) { // cut from the end, as backward runs
                current = new long[] {Math.max(a, to - capFloats), to, 1};
                open.add(current);
                feeders.add(new ArrayList<>(List.of(k)));
            }
        }
        List<Bucket> buckets = new ArrayList<>();
        for (long[] o : open) {
            buckets.add(new Bucket(o[0], o[1], (int) o[2]));
        }
        addUncovered(buckets, length, capFloats);
        int[][] feeds = new int[readyOrder.size()][];
        List<List<Integer>> byRange = new ArrayList<>();
        for (int k = 0; k < readyOrder.size(); k++) {
            byRange.add(new ArrayList<>());
        }
        for (int i = 0; i < feeders.size(); i++) {
            for (int k : feeders.get(i)) {
                byRange.get(k).add(i);
            }
        }
        for (int k = 0; k < feeds.length; k++) {
            feeds[k] = byRange.get(k).stream().mapToInt(Integer::intValue).toArray();
        }
        return new BucketPlan(buckets, feeds);
    }

    /** Appends buckets (of no parts) for the floats of {@code [0, length)} that no bucket covers, in order. */
    private static void addUncovered(List<Bucket> buckets, long length, long capFloats) {
        List<Bucket> sorted = new ArrayList<>(buckets);
        sorted.sort((x, y) -> Long.compare(x.from(), y.from()));
        long at = 0;
        List<long[]> gaps = new ArrayList<>();
        for (Bucket b : sorted) {
            if (b.from() > at) {
                gaps.add(new long[] {at, b.from()});
            }
            at = Math.max(at, b.to());
        }
        if (at < length) {
            gaps.add(new long[] {at, length});
        }
        for (long[] gap : gaps) {
            for (long from = gap[0]; from < gap[1]; from += capFloats) {
                buckets.add(new Bucket(from, Math.min(gap[1], from + capFloats), 0));
            }
        }
    }

    /** The finished ranges must lie in the vector and not overlap: a float must belong to one bucket only. */
    private static void checkDisjoint(List<int[]> readyOrder, long length) {
        int[][] sorted = readyOrder.toArray(new int[0][]);
        Arrays.sort(sorted, (x, y) -> Integer.compare(x[0], y[0]));
        long end = 0;
        for (int[] r : sorted) {
            if (r[0] < end || r[1] < r[0] || r[1] > length) {
                throw new IllegalArgumentException("the backward pass's finished ranges overlap or leave the vector"
                        + " of " + length + " floats at [" + r[0] + ", " + r[1] + ")");
            }
            end = r[1];
        }
    }

    /** The buckets, in the order every rank reduces them. */
    List<Bucket> buckets() {
        return buckets;
    }

    /** The buckets that finished range {@code k} feeds (one, or several where it was larger than the cap). */
    int[] feeds(int k) {
        return feeds[k];
    }
}

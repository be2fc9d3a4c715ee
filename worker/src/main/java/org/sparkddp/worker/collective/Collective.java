package org.sparkddp.worker.collective;

import org.sparkddp.common.config.WireFormat;

/**
 * The collective operations a training stage needs, over the ranks of one barrier stage (Horovod's seam: the step
 * rules are written once against this, and the transport behind it is chosen per run). Runs on executors, inside
 * a barrier task; every call is collective: every rank makes the same calls, in the same order, on vectors of the
 * same length.
 *
 * <p>Contract shared by every implementation:
 * <ul>
 *   <li>{@link #reduceScatter} leaves this rank's owned range {@code [ownedFrom(n), ownedTo(n))} holding the
 *       element-wise sum over all ranks, with the same bits on every run of the same inputs; the owned ranges of the
 *       ranks partition {@code [0, n)}. Elsewhere the vector holds unspecified partial sums.</li>
 *   <li>{@link #allGather} sends each rank's owned range of its vector to every other rank.</li>
 *   <li>{@link #allReduce} leaves every rank with the same bits.</li>
 *   <li>Every wait is bounded: a peer that fails or goes silent fails the call with {@link PeerFailureException}.</li>
 *   <li>{@link #reduceScatterGradient} and {@link #allReduceGradient} sum a gradient: with
 *       {@code training.wire = bf16}, its floats may cross sockets rounded ({@link #gradientWire} says whether they
 *       do), still the same bits on every rank and every run; every other call moves fp32 exactly.</li>
 * </ul>
 */
public interface Collective extends AutoCloseable {
    int rank();

    int size();

    /** First float of the range of an {@code n}-float vector whose full sum this rank holds after a reduce-scatter. */
    default long ownedFrom(long n) {
        return ownedFrom(rank(), n);
    }

    /** End (exclusive) of this rank's owned range. */
    default long ownedTo(long n) {
        return ownedTo(rank(), n);
    }

    /**
     * First float of rank {@code rank}'s owned range (every rank can tell where any other rank's range lies: the
     * sharded optimizer looks for each owner's flag there).
     */
    long ownedFrom(int rank, long n);

    /** End (exclusive) of rank {@code rank}'s owned range. */
    long ownedTo(int rank, long n);

    /** Sums {@code vector} over all ranks into each rank's owned range. */
    void reduceScatter(FloatVector vector);

    /**
     * As {@link #reduceScatter}, over floats {@code [from, to)} of {@code vector} only (the overlapped step's
     * buckets): afterwards the part of {@code [from, to)} that this rank owns (its owned range of the whole vector's
     * length) holds the sum over all ranks, with exactly the bits {@link #reduceScatter} leaves there; the rest of
     * {@code [from, to)} holds unspecified partial sums, and no float outside it is read or written. Calls over
     * ranges that tile {@code [0, n)} thus leave every owned range as one {@link #reduceScatter} does. Only where
     * {@link #rangesUnsupported} is null; every rank calls it with the same ranges in the same order.
     */
    default void reduceScatter(FloatVector vector, long from, long to) {
        throw new UnsupportedOperationException(rangesUnsupported());
    }

    /**
     * As {@link #reduceScatter(FloatVector, long, long)}, for a vector whose first {@code gradient} floats are a
     * gradient, as {@link #reduceScatterGradient(FloatVector, long)}: ranges that tile the vector leave each owned
     * range with the bits of one such call (bf16 and its error feedback included, where the gradient crosses as bf16).
     */
    default void reduceScatterGradient(FloatVector vector, long gradient, long from, long to) {
        if (gradientRangesUnsupported() != null) {
            throw new UnsupportedOperationException(gradientRangesUnsupported());
        }
        reduceScatter(vector, from, to);
    }

    /** Why {@link #reduceScatterGradient(FloatVector, long, long, long)} is not available (a phrase), or null. */
    default String gradientRangesUnsupported() {
        String whole = rangesUnsupported();
        if (whole != null) {
            return whole;
        }
        return gradientWire() == WireFormat.FP32 ? null : "training.wire = bf16 rounds and feeds back whole gradients";
    }

    /** Why {@link #reduceScatter(FloatVector, long, long)} is not available here (one phrase), or null if it is. */
    default String rangesUnsupported() {
        return "the " + getClass().getSimpleName() + " reduces whole vectors only";
    }

    /** Checks a range of an {@code n}-float vector given to {@link #reduceScatter(FloatVector, long, long)}. */
    static void checkRange(long from, long to, long n) {
        if (from < 0 || from > to || to > n) {
            throw new IllegalArgumentException("a reduce-scatter of [" + from + ", " + to + ") in a vector of " + n);
        }
    }

    /** Copies every rank's owned range of {@code vector} to every rank. */
    void allGather(FloatVector vector);

    /** Replaces {@code vector} by the element-wise sum over all ranks, identical on every rank. */
    default void allReduce(FloatVector vector) {
        reduceScatter(vector);
        allGather(vector);
    }

    /**
     * As {@link #reduceScatter}, for a vector whose first {@code gradient} floats are a gradient (the rest, such as
     * the loss, cross exactly): where {@link #gradientWire} is bf16, those floats cross sockets as bf16 with error
     * feedback, and each owned range holds bf16 values. Here, and where nothing crosses a socket, exactly
     * {@link #reduceScatter}.
     */
    default void reduceScatterGradient(FloatVector vector, long gradient) {
        reduceScatter(vector);
    }

    /** As {@link #allReduce}, for a gradient, as {@link #reduceScatterGradient}; every rank gets the same bits. */
    default void allReduceGradient(FloatVector vector, long gradient) {
        allReduce(vector);
    }

    /** How gradients cross sockets in this collective: fp32 unless bf16 was asked for and some socket is crossed. */
    default WireFormat gradientWire() {
        return WireFormat.FP32;
    }

    /** Replaces {@code vector} on every rank by rank {@code root}'s; {@code root} is the same on every rank. */
    void broadcast(FloatVector vector, int root);

    /** Closes the connections; best effort, never throws. */
    @Override
    void close();
}

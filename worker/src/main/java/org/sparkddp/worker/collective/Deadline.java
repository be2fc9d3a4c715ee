package org.sparkddp.worker.collective;

import java.io.IOException;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * One bounded wait, shared by every place a rank waits for a peer or for the driver: the end of the wait, the
 * slice of it to block for next (at most a second, so that a cancelled task stops waiting within a second, and
 * never past the end), and the checks that end it with one line. Runs on executors.
 *
 * <p>A deadline is made when a wait starts ({@link #after}) and asked, between short blocking waits, whether it
 * has {@link #passed()} or the task was {@link #cancelled()}; {@link #check} does both and throws the caller's
 * message.
 */
final class Deadline {
    /** Longest single block, so that the cancelled flag is polled at least once a second. */
    static final long POLL_MILLIS = 1000;

    private final long endNanos;
    private final Duration timeout;
    private final BooleanSupplier cancelled;

    private Deadline(long endNanos, Duration timeout, BooleanSupplier cancelled) {
        this.endNanos = endNanos;
        this.timeout = timeout;
        this.cancelled = cancelled;
    }

    /** A wait of at most {@code timeout} from now, that also ends once {@code cancelled} answers true. */
    static Deadline after(Duration timeout, BooleanSupplier cancelled) {
        return new Deadline(System.nanoTime() + timeout.toNanos(), timeout, cancelled);
    }

    /** This deadline, or {@code limit} from now if that comes first (a shorter wait inside a longer one). */
    Deadline within(Duration limit) {
        long own = System.nanoTime() + limit.toNanos();
        return own - endNanos < 0 ? new Deadline(own, limit, cancelled) : new Deadline(endNanos, timeout, cancelled);
    }

    /** This deadline, that also ends once {@code stop} answers true (a wait its caller may abandon). */
    Deadline orWhen(BooleanSupplier stop) {
        BooleanSupplier own = cancelled;
        return new Deadline(endNanos, timeout, () -> own.getAsBoolean() || stop.getAsBoolean());
    }

    /** The bound this deadline was made with, for messages: "timed out after PT2S". */
    Duration timeout() {
        return timeout;
    }

    boolean passed() {
        return System.nanoTime() - endNanos >= 0;
    }

    boolean cancelled() {
        return cancelled.getAsBoolean();
    }

    /** Milliseconds to block for next: the time left, but at most {@link #POLL_MILLIS} and at least 1. */
    long sliceMillis() {
        long left = (endNanos - System.nanoTime()) / 1_000_000;
        return Math.max(1, Math.min(POLL_MILLIS, left));
    }

    /** Milliseconds left until the end, at least 1 (for a blocking call that takes a whole timeout). */
    int remainingMillis() {
        long left = (endNanos - System.nanoTime()) / 1_000_000;
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, left));
    }

    /**
     * Throws {@link PeerFailureException} with {@code timedOut}'s message once the deadline has passed, or with
     * {@code cancelledMessage}'s once the task is cancelled; the messages are built only when needed.
     */
    void check(Supplier<String> timedOut, Supplier<String> cancelledMessage) {
        if (passed()) {
            throw new PeerFailureException(timedOut.get());
        }
        if (cancelled()) {
            throw new PeerFailureException(cancelledMessage.get());
        }
    }

    /** Blocks on {@code selector} for one slice (or until a key is ready), then forgets the ready keys. */
    void select(Selector selector) throws IOException {
        selector.select(sliceMillis());
        selector.selectedKeys().clear();
    }
}

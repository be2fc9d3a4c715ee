package org.sparkddp.common.plan;

import java.io.Serializable;
import java.util.Optional;
import java.util.function.BiFunction;
import org.sparkddp.common.config.ValidationConfig;

/**
 * Which training examples {@code validation.fraction} holds out: row {@code i} (its position in the training data,
 * counted through the files in sorted path order) is held out when a hash of {@code (seed, i)} falls below the
 * fraction ({@link Rule}). The rule needs nothing but the row's number, so the executors apply it to the rows they
 * decode, and the driver never lists the rows; a rerun or a resume holds out the same ones. Both lists are
 * ascending, so a subset keeps the file's order.
 *
 * <p>NOTE: the number held out is about {@code fraction * n} (binomial), not exactly its rounding. Where the rule
 * holds out none although the fraction is above 0 (a tiny file), the row with the smallest hash is held out, so
 * that a validation set asked for is never empty.
 *
 * @param kept the indices left for training
 * @param held the indices held out for validation
 */
public record HoldOut(int[] kept, int[] held) {
    /** Purpose of the seed, distinct from every other use of {@code training.seed}. */
    static final long PURPOSE = 0x484f4c444f5554L;

    /**
     * The per-row rule: computable anywhere from the row's number alone. Runs on the driver and the executors.
     *
     * @param fraction  the share to hold out; 0 for none
     * @param seed      {@code training.seed}
     * @param forcedRow a row held out whatever its hash (the smallest-hash row, when the hash holds out none), or -1
     */
    public record Rule(double fraction, long seed, long forcedRow) implements Serializable {
        public static final Rule NONE = new Rule(0, 0, -1);

        public Rule(double fraction, long seed) {
            this(fraction, seed, -1);
        }

        /** Where row {@code row} falls in [0, 1): the same on every JVM (SplitMix64, {@link Seeds}). */
        public double unit(long row) {
            return (Seeds.derive(seed, PURPOSE, row) >>> 11) * 0x1.0p-53;
        }

        public boolean held(long row) {
            return fraction > 0 && (row == forcedRow || unit(row) < fraction);
        }

        public boolean any() {
            return fraction > 0;
        }

        /** The same rule, also holding out {@code row}. */
        public Rule forcing(long row) {
            return new Rule(fraction, seed, row);
        }
    }

    /** Holds out the rows {@link Rule} picks of {@code n} examples, at least 1 when the fraction is above 0. */
    public static HoldOut of(int n, double fraction, long seed) {
        Rule rule = new Rule(fraction, seed);
        if (!rule.any()) {
            return new HoldOut(java.util.stream.IntStream.range(0, n).toArray(), new int[0]);
        }
        int heldCount = 0;
        int smallest = 0;
        for (int i = 0; i < n; i++) {
            heldCount += rule.held(i) ? 1 : 0;
            smallest = rule.unit(i) < rule.unit(smallest) ? i : smallest;
        }
        if (heldCount == 0 && n > 0) {
            rule = rule.forcing(smallest);
            heldCount = 1;
        }
        int[] held = new int[heldCount];
        int[] kept = new int[n - heldCount];
        int h = 0;
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (rule.held(i)) {
                held[h++] = i;
            } else {
                kept[k++] = i;
            }
        }
        return new HoldOut(kept, held);
    }

    /** What {@code validation} holds out of {@code n} examples; none without a fraction. */
    public static HoldOut of(int n, ValidationConfig validation, long seed) {
        return of(n, validation.fraction(), seed);
    }

    public boolean any() {
        return held.length > 0;
    }

    /**
     * What this holds out of {@code all}, which {@code select} cuts by row indices: the rows kept, and the rows
     * held out if any; without a fraction, {@code all} itself.
     */
    public <T> Parts<T> split(T all, BiFunction<T, int[], T> select) {
        return any() ? new Parts<>(select.apply(all, kept), Optional.of(select.apply(all, held)))
                : new Parts<>(all, Optional.empty());
    }

    /** The examples kept for training, and those held out for validation, if any. */
    public record Parts<T>(T kept, Optional<T> held) {
    }
}

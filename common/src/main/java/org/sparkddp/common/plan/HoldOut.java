package org.sparkddp.common.plan;

import java.util.Arrays;
import java.util.Optional;
import java.util.function.BiFunction;
import org.sparkddp.common.config.ValidationConfig;

/**
 * Which training examples {@code validation.fraction} holds out: a seeded random choice, so that a rerun or a
 * resume holds out the same ones. Both lists are ascending, so a subset keeps the file's order and the shards cut
 * from it are the same whether the driver or the executors read the file. Computed on the driver.
 *
 * @param kept the indices left for training
 * @param held the indices held out for validation
 */
public record HoldOut(int[] kept, int[] held) {
    /** Purpose of the seed, distinct from every other use of {@code training.seed}. */
    static final long PURPOSE = 0x484f4c444f5554L;

    /** Holds out {@code round(fraction * n)} of {@code n} examples, at least 1 when the fraction is above 0. */
    public static HoldOut of(int n, double fraction, long seed) {
        int count = fraction == 0 ? 0 : (int) Math.max(1, Math.min(n, Math.round(fraction * n)));
        int[] order = Permutations.of(n, Seeds.derive(seed, PURPOSE));
        int[] held = Arrays.copyOf(order, count);
        int[] kept = Arrays.copyOfRange(order, count, n);
        Arrays.sort(held);
        Arrays.sort(kept);
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

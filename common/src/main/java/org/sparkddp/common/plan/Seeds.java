package org.sparkddp.common.plan;

/**
 * Derives independent seeds from {@code training.seed}, so that every random choice (shard assignment, each
 * epoch's shuffle on each shard, ...) is reproducible and none shares a stream with another.
 *
 * <p>NOTE: mixing uses SplitMix64's finalizer (Steele, Lea and Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014), which is fixed by its definition, so seeds are the same on every JVM and version.
 */
public final class Seeds {
    /** Purposes, so that e.g. shard 1 of epoch 0 never collides with epoch 1 of shard 0. */
    public static final long SHARD_ASSIGNMENT = 0x5348415244L;
    public static final long EPOCH_SHUFFLE = 0x53485546464cL;
    /** Dropout masks: one stream per (iteration, rank), so masks differ between workers and iterations. */
    public static final long DROPOUT = 0x44524f504f5554L;
    /** data.augment's draws: one stream per (iteration, rank), as for dropout. */
    public static final long AUGMENT = 0x4155474d454e54L;

    private Seeds() {
    }

    public static long derive(long root, long purpose, long... parts) {
        long h = mix(root ^ mix(purpose));
        for (long part : parts) {
            h = mix(h ^ mix(part + 0x9E3779B97F4A7C15L));
        }
        return h;
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

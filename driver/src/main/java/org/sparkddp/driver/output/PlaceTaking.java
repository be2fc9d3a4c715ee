package org.sparkddp.driver.output;

import java.io.IOException;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Moves a completed output into its final place on any Hadoop FileSystem, replacing what was there (which the
 * caller has allowed, e.g. by --overwrite). Runs on the driver.
 *
 * <p>The earlier output is renamed aside first and removed only after the new one is in place, so that it stays
 * whole until the new one is complete: a crash between the renames leaves both, hidden beside the output, never
 * neither.
 */
public final class PlaceTaking {
    private PlaceTaking() {
    }

    /** Renames {@code completed} to {@code target}, setting aside and then deleting any earlier {@code target}. */
    public static void moveIntoPlace(FileSystem fs, Path completed, Path target) throws IOException {
        Path aside = null;
        if (fs.exists(target)) {
            aside = new Path(target.getParent(), "." + target.getName() + ".replaced-" + UUID.randomUUID());
            rename(fs, target, aside);
        }
        try {
            rename(fs, completed, target);
        } catch (IOException e) {
            if (aside != null && !fs.rename(aside, target)) { // best effort: the earlier output back in its place
                throw new IOException(e.getMessage() + "; the earlier output is kept as " + aside, e);
            }
            throw e;
        }
        if (aside != null) {
            fs.delete(aside, true);
        }
    }

    private static void rename(FileSystem fs, Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("cannot rename " + from + " to " + to);
        }
    }
}

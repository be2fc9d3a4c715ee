package org.sparkddp.driver.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.sparkddp.common.error.InvalidDataException;
import org.sparkddp.common.wire.StateLayout;
import org.sparkddp.common.wire.StateVersion;

/**
 * A state's entry in checkpoint.json (format 2): its geometry and chunk checksums, enough to name and check every
 * chunk file without reading one. Runs on the driver.
 *
 * <pre>{"iteration": 20, "epoch": 1, "run_id": "…", "id": 7, "param_count": 235146, "updater_count": 470292,
 *  "chunk_floats": 16777216, "chunks": 1, "crcs": [3735928559]}</pre>
 */
final class Manifest {
    private Manifest() {
    }

    /** @param crcs the checksums the chunk files were written with */
    static Map<String, Object> describe(StateVersion state, long[] crcs) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("iteration", state.iteration());
        entry.put("epoch", state.epoch());
        entry.put("run_id", state.runId());
        entry.put("id", state.id());
        entry.put("param_count", state.paramCount());
        entry.put("updater_count", state.updaterCount());
        entry.put("chunk_floats", state.chunkFloats());
        entry.put("chunks", state.chunks());
        entry.put("crcs", crcs);
        return entry;
    }

    /**
     * The state an entry describes, as a {@link StateVersion.Home#FILES} version in {@code directory}.
     *
     * @param key      the entry's key in checkpoint.json ("state" or "best"), for errors
     * @param metaFile checkpoint.json's path, for errors
     */
    static StateVersion parse(JsonNode entry, String key, String directory, String metaFile) {
        if (!entry.isObject()) {
            throw new InvalidDataException(metaFile, "has no '" + key + "' entry (a format-2 checkpoint lists its"
                    + " chunk files there)");
        }
        long params = number(entry, "param_count", key, metaFile);
        long updater = number(entry, "updater_count", key, metaFile);
        long chunkFloats = number(entry, "chunk_floats", key, metaFile);
        long iteration = number(entry, "iteration", key, metaFile);
        long epoch = number(entry, "epoch", key, metaFile);
        long id = number(entry, "id", key, metaFile);
        JsonNode crcs = entry.path("crcs");
        if (chunkFloats < 1 || chunkFloats > Integer.MAX_VALUE || epoch > Integer.MAX_VALUE || !crcs.isArray()) {
            throw new InvalidDataException(metaFile, key + ": is corrupt (chunk_floats " + chunkFloats + ", epoch "
                    + epoch + ", crcs " + (crcs.isArray() ? "listed" : "missing") + ")");
        }
        long chunks;
        try {
            chunks = new StateLayout(params, updater, (int) chunkFloats).chunks();
        } catch (ArithmeticException e) { // more chunks than an int counts: no state this version writes
            throw new InvalidDataException(metaFile, key + ": is corrupt (" + (params + updater)
                    + " floats in chunks of " + chunkFloats + ")");
        }
        if (crcs.size() != chunks || entry.path("chunks").asLong(-1) != chunks) {
            throw new InvalidDataException(metaFile, key + ": lists " + crcs.size() + " chunk checksums and "
                    + entry.path("chunks").asText() + " chunks, but " + (params + updater) + " floats in chunks of "
                    + chunkFloats + " make " + chunks);
        }
        long[] sums = new long[crcs.size()];
        for (int c = 0; c < sums.length; c++) {
            sums[c] = crcs.get(c).asLong(-1);
            if (!crcs.get(c).canConvertToLong() || sums[c] < 0 || sums[c] > 0xffffffffL) {
                throw new InvalidDataException(metaFile, key + ".crcs[" + c + "]: is not a CRC-32C");
            }
        }
        return new StateVersion(entry.path("run_id").asText(""), id, iteration, (int) epoch, params, updater,
                (int) chunkFloats, sums, StateVersion.Home.FILES, -1, directory);
    }

    private static long number(JsonNode entry, String field, String key, String metaFile) {
        JsonNode value = entry.path(field);
        if (!value.canConvertToLong() || value.asLong() < 0) {
            throw new InvalidDataException(metaFile, key + "." + field + ": is " + (value.isMissingNode() ? "missing"
                    : value.toString()) + "; expected a count >= 0");
        }
        return value.asLong();
    }
}

package org.sparkddp.common.data;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import org.sparkddp.common.error.InvalidDataException;

/**
 * Parses IDX files (LeCun's MNIST format): a 4-byte magic {@code 0x00 0x00 <type> <ndims>}, {@code ndims}
 * big-endian int32 sizes, then the data. Only unsigned bytes (type 0x08) are supported, which is what image
 * and label files use.
 *
 * <p>Every way a file can be wrong ends in an {@link InvalidDataException} that names it: a wrong magic, a
 * wrong number of dimensions, a size of zero, a file that ends early, or bytes after the declared data.
 */
public final class IdxReader {
    private static final int UNSIGNED_BYTE = 0x08;

    private IdxReader() {
    }

    /**
     * @param name         the file's path or URI, for error messages
     * @param in           the (already decompressed) stream; not closed here
     * @param expectedDims 3 for images, 1 for labels
     */
    public static IdxArray read(String name, InputStream in, int expectedDims) throws IOException {
        DataInputStream data = new DataInputStream(in);
        IdxHeader header = readHeader(name, data, expectedDims);
        byte[] bytes = new byte[(int) header.dataBytes()];
        int filled = data.readNBytes(bytes, 0, bytes.length);
        if (filled < bytes.length) {
            throw truncated(name, header, filled);
        }
        if (data.read() != -1) {
            throw trailing(name, header);
        }
        return new IdxArray(header.shape(), bytes);
    }

    /**
     * Reads just the magic number and the sizes, leaving the stream at the first data byte: what the driver
     * needs to plan parallel reads of a file without reading its data.
     */
    public static IdxHeader readHeader(String name, DataInputStream data, int expectedDims) throws IOException {
        int magic;
        try {
            magic = data.readInt();
        } catch (EOFException e) {
            throw new InvalidDataException(name, "truncated: shorter than the 4-byte IDX magic number");
        }
        int expectedMagic = (UNSIGNED_BYTE << 8) | expectedDims;
        if ((magic >>> 16) != 0 || ((magic >>> 8) & 0xff) != UNSIGNED_BYTE || (magic & 0xff) != expectedDims) {
            throw new InvalidDataException(name, String.format(
                    "wrong magic number 0x%08x: expected 0x%08x (an IDX file of unsigned bytes with %d dimension%s)",
                    magic, expectedMagic, expectedDims, expectedDims == 1 ? "" : "s"));
        }
        int[] shape = new int[expectedDims];
        long total = 1;
        for (int i = 0; i < expectedDims; i++) {
            try {
                shape[i] = data.readInt();
            } catch (EOFException e) {
                throw new InvalidDataException(name, "truncated in the header: dimension " + i + " is missing");
            }
            if (shape[i] <= 0) {
                throw new InvalidDataException(name, "dimension " + i + " has size " + shape[i] + ", expected > 0");
            }
            total = Math.min(Long.MAX_VALUE / Integer.MAX_VALUE, total) * shape[i]; // cannot overflow
        }
        if (total > Integer.MAX_VALUE - 16) {
            throw new InvalidDataException(name, "declares " + total + " bytes of data, more than one array can hold");
        }
        return new IdxHeader(shape);
    }

    /**
     * Checks a file's length against its header, for files whose data is read in parts by others.
     *
     * @param dataLength the bytes after the header
     */
    public static void checkLength(String name, IdxHeader header, long dataLength) {
        if (dataLength < header.dataBytes()) {
            throw truncated(name, header, dataLength);
        }
        if (dataLength > header.dataBytes()) {
            throw trailing(name, header);
        }
    }

    private static InvalidDataException truncated(String name, IdxHeader header, long filled) {
        return new InvalidDataException(name, String.format(
                "truncated: the header declares %d item%s (%d bytes of data) but the file ends after %d bytes,"
                        + " inside item %d", header.count(), header.count() == 1 ? "" : "s", header.dataBytes(), filled,
                filled / header.itemSize()));
    }

    private static InvalidDataException trailing(String name, IdxHeader header) {
        return new InvalidDataException(name, "has bytes after the " + header.dataBytes()
                + " bytes of data its header declares");
    }
}

package org.sparkddp.common.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkddp.common.error.InvalidDataException;

class IdxReaderTest {
    @TempDir
    Path dir;

    static byte[] idx(int type, int[] shape, int dataBytes) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt((type << 8) | shape.length);
        for (int s : shape) {
            out.writeInt(s);
        }
        for (int i = 0; i < dataBytes; i++) {
            out.writeByte(i % 251);
        }
        return bytes.toByteArray();
    }

    private static IdxArray read(byte[] bytes, int dims) throws IOException {
        return IdxReader.read("f.idx", new ByteArrayInputStream(bytes), dims);
    }

    private static String failure(byte[] bytes, int dims) {
        return assertThrows(InvalidDataException.class, () -> read(bytes, dims)).getMessage();
    }

    @Test
    void readsImagesAndLabels() throws IOException {
        IdxArray images = read(idx(0x08, new int[] {3, 2, 2}, 12), 3);
        assertArrayEquals(new int[] {3, 2, 2}, images.shape());
        assertEquals(3, images.count());
        assertEquals(4, images.itemSize());
        assertEquals(11, images.data()[11]);
        IdxArray labels = read(idx(0x08, new int[] {5}, 5), 1);
        assertEquals(5, labels.count());
        assertEquals(1, labels.itemSize());
    }

    @Test
    void wrongMagicIsRejected() throws IOException {
        assertEquals("f.idx: wrong magic number 0x00000801: expected 0x00000803 (an IDX file of unsigned bytes with 3"
                + " dimensions)", failure(idx(0x08, new int[] {4}, 4), 3));
        assertEquals("f.idx: wrong magic number 0x00000d01: expected 0x00000801 (an IDX file of unsigned bytes with 1"
                + " dimension)", failure(idx(0x0d, new int[] {4}, 16), 1));
        byte[] gzipMagic = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0};
        assertEquals("f.idx: wrong magic number 0x1f8b0800: expected 0x00000801 (an IDX file of unsigned bytes with 1"
                + " dimension)", failure(gzipMagic, 1));
    }

    @Test
    void truncatedFilesSayWhere() throws IOException {
        assertEquals("f.idx: truncated: shorter than the 4-byte IDX magic number", failure(new byte[] {0, 0}, 1));
        byte[] header = Arrays.copyOf(idx(0x08, new int[] {2, 2, 2}, 0), 10);
        assertEquals("f.idx: truncated in the header: dimension 1 is missing", failure(header, 3));
        byte[] midImage = Arrays.copyOf(idx(0x08, new int[] {3, 2, 2}, 12), 16 + 9);
        assertEquals("f.idx: truncated: the header declares 3 items (12 bytes of data) but the file ends after 9 bytes,"
                + " inside item 2", failure(midImage, 3));
    }

    @Test
    void trailingBytesAndEmptyDimensionsAreRejected() throws IOException {
        assertEquals("f.idx: has bytes after the 4 bytes of data its header declares",
                failure(idx(0x08, new int[] {4}, 5), 1));
        assertEquals("f.idx: dimension 0 has size 0, expected > 0", failure(idx(0x08, new int[] {0}, 0), 1));
        String huge = failure(idx(0x08, new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE}, 0), 3);
        assertTrue(huge.contains("more than one array can hold"), huge);
    }

    @Test
    void hadoopFilesGunzipsAndNamesMissingOrCorruptFiles() throws IOException {
        Path gz = dir.resolve("x-labels-idx1-ubyte.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(idx(0x08, new int[] {6}, 6));
        }
        Configuration conf = new Configuration();
        IdxArray labels = HadoopFiles.read(gz.toString(), conf, in -> IdxReader.read(gz.toString(), in, 1));
        assertEquals(6, labels.count());

        String missing = dir.resolve("nope.gz").toString();
        assertEquals(missing + ": no such file", assertThrows(InvalidDataException.class,
                () -> HadoopFiles.read(missing, conf, in -> IdxReader.read(missing, in, 1))).getMessage());

        Path notGzip = dir.resolve("bad-labels-idx1-ubyte.gz");
        Files.write(notGzip, idx(0x08, new int[] {6}, 6));
        String corrupt = assertThrows(InvalidDataException.class,
                () -> HadoopFiles.read(notGzip.toString(), conf, in -> IdxReader.read("x", in, 1))).getMessage();
        assertEquals(notGzip + ": corrupt gzip data (Not in GZIP format)", corrupt);

        byte[] whole = Files.readAllBytes(gz);
        Path cut = dir.resolve("cut-labels-idx1-ubyte.gz");
        Files.write(cut, Arrays.copyOf(whole, whole.length - 12));
        String truncated = assertThrows(InvalidDataException.class,
                () -> HadoopFiles.read(cut.toString(), conf, in -> IdxReader.read("x", in, 1))).getMessage();
        assertEquals(cut + ": truncated gzip data (Unexpected end of ZLIB input stream)", truncated);

        assertEquals(dir + ": is a directory, expected a file", assertThrows(InvalidDataException.class,
                () -> HadoopFiles.read(dir.toString(), conf, in -> null)).getMessage());
    }
}

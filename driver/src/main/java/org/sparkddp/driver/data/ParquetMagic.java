package org.sparkddp.driver.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkddp.common.data.StorageFailures;
import org.sparkddp.common.error.InvalidDataException;

/**
 * Checks, on the driver and before Spark reads anything, that an input holds Parquet files: each data file starts
 * and ends with Parquet's magic bytes {@code PAR1}. Otherwise Spark finds out in a job whose failed tasks it logs
 * at length before the command can say which file is wrong. A path with glob characters, or one that is not
 * there, is left to Spark (which reports both itself).
 */
public final class ParquetMagic {
    private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

    private ParquetMagic() {
    }

    public static void check(String input, Configuration hadoop) {
        if (input.matches(".*[*?\\[{].*")) {
            return;
        }
        try {
            Path path = new Path(input);
            FileSystem fs = path.getFileSystem(hadoop);
            if (!fs.exists(path)) {
                return;
            }
            FileStatus status = fs.getFileStatus(path);
            FileStatus[] files = status.isDirectory() ? fs.listStatus(path) : new FileStatus[] {status};
            for (FileStatus file : files) {
                String name = file.getPath().getName();
                // Spark skips these too: _SUCCESS, _metadata, .crc and other hidden files.
                if (file.isFile() && !name.startsWith("_") && !name.startsWith(".")) {
                    checkFile(fs, file, status.isDirectory() ? file.getPath().toString() : input);
                }
            }
        } catch (IOException e) {
            throw new InvalidDataException(input, "cannot be read: " + StorageFailures.reason(e));
        }
    }

    private static void checkFile(FileSystem fs, FileStatus file, String name) throws IOException {
        if (file.getLen() < 3L * MAGIC.length) {
            throw new InvalidDataException(name, "is not a Parquet file: it holds only " + file.getLen() + " bytes");
        }
        byte[] head = new byte[MAGIC.length];
        byte[] tail = new byte[MAGIC.length];
        try (FSDataInputStream in = fs.open(file.getPath())) {
            in.readFully(0, head);
            in.readFully(file.getLen() - MAGIC.length, tail);
        }
        if (!Arrays.equals(head, MAGIC) || !Arrays.equals(tail, MAGIC)) {
            throw new InvalidDataException(name, "is not a Parquet file: it does not start and end with Parquet's"
                    + " magic bytes PAR1 (it starts with " + hex(head) + ")");
        }
    }

    private static String hex(byte[] bytes) {
        StringBuilder s = new StringBuilder("0x");
        for (byte b : bytes) {
            s.append(String.format("%02x", b));
        }
        return s.toString();
    }
}

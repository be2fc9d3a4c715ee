package org.sparkddp.common.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.security.AccessControlException;
import org.sparkddp.common.error.InvalidDataException;

/**
 * Opens input files through the Hadoop FileSystem API, so that a local path, {@code file:}, {@code hdfs:} and
 * {@code s3a:} all work the same way, and turns the FileSystem's exceptions into one-line errors naming the file.
 * Runs wherever a file is read (today, the driver).
 */
public final class HadoopFiles {
    private HadoopFiles() {
    }

    /** Something that reads a whole stream; it may throw {@link IOException}. */
    @FunctionalInterface
    public interface StreamReader<T> {
        T read(InputStream in) throws IOException;
    }

    /**
     * Reads a whole file, transparently gunzipping names that end in {@code .gz}.
     *
     * @param location a path or URI
     */
    public static <T> T read(String location, Configuration hadoopConf, StreamReader<T> reader) {
        Path path;
        try {
            path = new Path(location);
        } catch (IllegalArgumentException e) {
            throw new InvalidDataException(location, "is not a usable path: " + e.getMessage());
        }
        try {
            FileSystem fs = path.getFileSystem(hadoopConf);
            FileStatus status = fs.getFileStatus(path);
            if (status.isDirectory()) {
                throw new InvalidDataException(location, "is a directory, expected a file");
            }
            try (InputStream raw = fs.open(path);
                 InputStream in = location.endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw) {
                return reader.read(in);
            }
        } catch (IllegalArgumentException e) { // an unknown host in hdfs://host/..., an unsupported scheme
            throw new InvalidDataException(location, "cannot be reached: " + e.getMessage());
        } catch (FileNotFoundException e) {
            throw new InvalidDataException(location, "no such file");
        } catch (AccessControlException e) {
            throw new InvalidDataException(location, "permission denied");
        } catch (ZipException e) {
            throw new InvalidDataException(location, "corrupt gzip data (" + e.getMessage() + ")");
        } catch (java.io.EOFException e) {
            throw new InvalidDataException(location, "truncated gzip data (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new InvalidDataException(location, "cannot read: " + e.getMessage(), e);
        }
    }
}

package org.sparkddp.common.data;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.BlockLocation;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkddp.common.error.InvalidDataException;

/**
 * Opens input files through the Hadoop FileSystem API, so that a local path, {@code file:}, {@code hdfs:} and
 * {@code s3a:} all work the same way, and turns the FileSystem's exceptions into one-line errors naming the file.
 * Runs wherever a file is read: the driver, and the executors for files read in splits.
 */
public final class HadoopFiles {
    private HadoopFiles() {
    }

    /** Something that reads a whole stream; it may throw {@link IOException}. */
    @FunctionalInterface
    public interface StreamReader<T> {
        T read(InputStream in) throws IOException;
    }

    /** Something done with an open file system and the file's status; it may throw {@link IOException}. */
    @FunctionalInterface
    private interface FileAction<T> {
        T apply(FileSystem fs, Path path, FileStatus status) throws IOException;
    }

    /**
     * Reads a whole file, transparently gunzipping names that end in {@code .gz}.
     *
     * @param location a path or URI
     */
    public static <T> T read(String location, Configuration hadoopConf, StreamReader<T> reader) {
        return onFile(location, hadoopConf, (fs, path, status) -> {
            try (InputStream raw = fs.open(path);
                 InputStream in = location.endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw) {
                return reader.read(in);
            }
        });
    }

    /**
     * Reads a file from byte {@code offset} on, undecoded (a split of a text file; the reader stops where its
     * split ends). Runs on an executor.
     */
    public static <T> T readFrom(String location, Configuration hadoopConf, long offset, StreamReader<T> reader) {
        return onFile(location, hadoopConf, (fs, path, status) -> {
            try (FSDataInputStream in = fs.open(path)) {
                in.seek(offset);
                return reader.read(in);
            }
        });
    }

    /**
     * The files of {@code location}: itself if it is a file, else the files directly in it whose names do not
     * start with {@code _} or {@code .} (markers such as {@code _SUCCESS}), sorted by path: the order a dataset's
     * rows are numbered in, whatever order the file system lists them. Runs on the driver.
     */
    public static java.util.List<DataFile> files(String location, Configuration hadoopConf) {
        Path path = path(location);
        try {
            FileSystem fs = path.getFileSystem(hadoopConf);
            FileStatus status = fs.getFileStatus(path);
            if (!status.isDirectory()) {
                return java.util.List.of(new DataFile(location, status.getLen()));
            }
            String parent = location.endsWith("/") ? location : location + "/";
            java.util.List<DataFile> files = new java.util.ArrayList<>();
            for (FileStatus child : fs.listStatus(path)) {
                String name = child.getPath().getName();
                if (child.isFile() && !name.startsWith("_") && !name.startsWith(".")) {
                    files.add(new DataFile(parent + name, child.getLen()));
                }
            }
            files.sort(java.util.Comparator.comparing(DataFile::location));
            if (files.isEmpty()) {
                throw new InvalidDataException(location, "is a directory without data files");
            }
            return files;
        } catch (IllegalArgumentException e) {
            throw new InvalidDataException(location, "cannot be reached: " + e.getMessage());
        } catch (IOException e) {
            throw new InvalidDataException(location, StorageFailures.reason(e), e);
        }
    }

    /** A data file: its path as the config names it (a directory's files under the directory's name). */
    public record DataFile(String location, long length) {
    }

    /** The file's length and where its blocks are, without reading it. */
    public static FileStatus status(String location, Configuration hadoopConf) {
        return onFile(location, hadoopConf, (fs, path, status) -> status);
    }

    /** Where the file's blocks are (offset, length, hosts each), for scheduling readers near their data. */
    public static BlockLocation[] blocks(String location, Configuration hadoopConf) {
        return onFile(location, hadoopConf, (fs, path, status) -> fs.getFileBlockLocations(status, 0, status.getLen()));
    }

    /** Reads {@code length} bytes at {@code offset} (a file that has shrunk since is reported truncated). */
    public static byte[] readRange(String location, Configuration hadoopConf, long offset, int length) {
        return onFile(location, hadoopConf, (fs, path, status) -> {
            if (status.getLen() < offset + length) {
                throw new InvalidDataException(location, "truncated: expected at least " + (offset + length)
                        + " bytes but it has " + status.getLen());
            }
            byte[] bytes = new byte[length];
            try (FSDataInputStream in = fs.open(path)) {
                in.readFully(offset, bytes);
            }
            return bytes;
        });
    }

    /** {@code location} as a Hadoop path; one line naming it if it is not one. */
    private static Path path(String location) {
        try {
            return new Path(location);
        } catch (IllegalArgumentException e) {
            throw new InvalidDataException(location, "is not a usable path: " + e.getMessage());
        }
    }

    private static <T> T onFile(String location, Configuration hadoopConf, FileAction<T> action) {
        Path path = path(location);
        try {
            FileSystem fs = path.getFileSystem(hadoopConf);
            FileStatus status = fs.getFileStatus(path);
            if (status.isDirectory()) {
                throw new InvalidDataException(location, "is a directory, expected a file");
            }
            return action.apply(fs, path, status);
        } catch (IllegalArgumentException e) { // an unknown host in hdfs://host/..., an unsupported scheme
            throw new InvalidDataException(location, "cannot be reached: " + e.getMessage());
        } catch (ZipException e) {
            throw new InvalidDataException(location, "corrupt gzip data (" + e.getMessage() + ")");
        } catch (java.io.EOFException e) {
            throw new InvalidDataException(location, "truncated gzip data (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new InvalidDataException(location, StorageFailures.reason(e), e);
        }
    }
}

package org.sparkddp.driver.predict;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.sparkddp.common.data.IdxHeader;
import org.sparkddp.common.data.IdxReader;
import org.sparkddp.common.data.StorageFailures;
import org.sparkddp.common.error.InvalidDataException;

/**
 * The images {@code [first, first + count)} of an IDX file as rows, one image at a time, so that a task holds one
 * image, not its split. Runs on an executor. An uncompressed file is opened at the split's first image (a seek,
 * then one sequential read); a gzipped one is read from its start (it is one split), its header read again and
 * checked against the driver's. Pixels are scaled to [0, 1] exactly as training scales them ({@code b / 255f}).
 */
final class IdxSplitRows implements Iterator<Row> {
    private static final float SCALE = 1f / 255f;

    private final String images;
    /** The images file's fully qualified URI, which this executor opens ({@link #images} names it as given). */
    private final String imagesPath;
    private final String labelsFile;
    private final IdxHeader header;
    private final int first;
    private final int count;
    private final Configuration conf;
    private final byte[] pixels;
    private DataInputStream in;
    private DataInputStream labels;
    private int next;

    IdxSplitRows(String images, String imagesPath, Optional<String> labels, IdxHeader header, int first, int count,
                 Configuration conf) {
        this.images = images;
        this.imagesPath = imagesPath;
        this.labelsFile = labels.orElse(null);
        this.header = header;
        this.first = first;
        this.count = count;
        this.conf = conf;
        this.pixels = new byte[header.itemSize()];
    }

    @Override
    public boolean hasNext() {
        if (next < count) {
            return true;
        }
        close();
        return false;
    }

    @Override
    public Row next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        if (in == null) {
            open();
        }
        int index = first + next;
        double[] features = new double[pixels.length];
        double label = 0;
        read(in, images, index);
        if (labels != null) {
            label = read(labels, labelsFile, index);
        }
        for (int p = 0; p < pixels.length; p++) {
            features[p] = (pixels[p] & 0xff) * SCALE;
        }
        next++;
        Row row = labels == null ? RowFactory.create(images, (long) index, Vectors.dense(features))
                : RowFactory.create(images, (long) index, label, Vectors.dense(features));
        if (next == count) {
            close();
        }
        return row;
    }

    /**
     * Reads the next image into {@link #pixels}, or for the labels stream the next label, which it returns. A file
     * that ends early is named with the item it ends in.
     */
    private int read(DataInputStream stream, String file, int index) {
        try {
            if (stream == in) {
                stream.readFully(pixels);
                return 0;
            }
            return stream.readUnsignedByte();
        } catch (EOFException e) {
            throw new InvalidDataException(file, "truncated: it ends inside item " + index + " of the "
                    + header.count() + " its header declares");
        } catch (IOException e) {
            throw new InvalidDataException(file, StorageFailures.reason(e), e);
        }
    }

    private void open() {
        try {
            in = stream(imagesPath, header.dataOffset() + (long) first * header.itemSize(), 3);
            if (labelsFile != null) {
                labels = stream(labelsFile, 8L + first, 1);
            }
        } catch (IOException e) {
            close();
            throw new InvalidDataException(images, StorageFailures.reason(e), e);
        }
        TaskContext task = TaskContext.get();
        if (task != null) { // a task that stops early (a failure, a limit) still closes the files
            task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) t -> close());
        }
    }

    /** The file positioned at {@code offset} of its data: a seek, or for gzip, past its header (re-checked). */
    private DataInputStream stream(String file, long offset, int dims) throws IOException {
        Path path = new Path(file);
        FSDataInputStream raw = path.getFileSystem(conf).open(path);
        if (!file.endsWith(".gz")) {
            raw.seek(offset);
            return new DataInputStream(new java.io.BufferedInputStream(raw, 1 << 16));
        }
        DataInputStream data = new DataInputStream(new GZIPInputStream(raw, 1 << 16));
        IdxHeader found = IdxReader.readHeader(file, data, dims);
        if (found.count() != header.count() || (dims == 3 && !Arrays.equals(found.shape(), header.shape()))) {
            data.close();
            throw new InvalidDataException(file, "changed since it was planned: its header now declares "
                    + Arrays.toString(found.shape()));
        }
        return data;
    }

    private void close() {
        for (InputStream s : new InputStream[] {in, labels}) {
            if (s != null) {
                try {
                    s.close();
                } catch (IOException e) {
                    // NOTE: a file only read from loses nothing when its close fails; the rows are already out.
                }
            }
        }
        in = null;
        labels = null;
    }
}

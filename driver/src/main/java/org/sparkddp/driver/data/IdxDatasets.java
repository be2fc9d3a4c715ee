package org.sparkddp.driver.data;

import java.io.DataInputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.sparkddp.common.data.ClassLabels;
import org.sparkddp.common.data.HadoopFiles;
import org.sparkddp.common.data.IdxArray;
import org.sparkddp.common.data.IdxHeader;
import org.sparkddp.common.data.IdxReader;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.UnsignedByteFeatures;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.common.error.InvalidDataException;

/**
 * Loads an IDX images file and the labels file beside it, checking that they agree, or plans the executors'
 * reads of a large or gzipped one. Runs on the driver, through the Hadoop FileSystem API.
 */
public final class IdxDatasets {
    private static final Pattern IMAGES_NAME = Pattern.compile("^(.*)-images-idx3-ubyte(\\.gz)?$");

    private IdxDatasets() {
    }

    /** {@code ...-images-idx3-ubyte[.gz]} to {@code ...-labels-idx1-ubyte[.gz]}. */
    public static String labelsLocation(String imagesLocation, String key) {
        Matcher m = IMAGES_NAME.matcher(imagesLocation);
        if (!m.matches()) {
            throw new InvalidConfigException(key, "'" + imagesLocation + "' is not named like an IDX images file"
                    + " (...-images-idx3-ubyte or ...-images-idx3-ubyte.gz), so its labels file cannot be found");
        }
        return m.group(1) + "-labels-idx1-ubyte" + (m.group(2) == null ? "" : m.group(2));
    }

    /**
     * @param numClasses the classes labels must fall in, or 0 to take them from the labels (max + 1)
     * @param key        the config key that named the file, for errors about its name
     */
    public static LabeledExamples load(String imagesLocation, int numClasses, Configuration hadoopConf, String key) {
        return load(imagesLocation, numClasses, false, hadoopConf, key);
    }

    /** @param classesFixed whether {@code numClasses} is {@code data.classes}, for the message about a label */
    public static LabeledExamples load(String imagesLocation, int numClasses, boolean classesFixed,
                                       Configuration hadoopConf, String key) {
        String labelsLocation = labelsLocation(imagesLocation, key);
        IdxArray images = HadoopFiles.read(imagesLocation, hadoopConf, in -> IdxReader.read(imagesLocation, in, 3));
        ClassLabels labels = labels(labelsLocation, imagesLocation, images.count(), numClasses, classesFixed,
                hadoopConf);
        return new LabeledExamples(new UnsignedByteFeatures(images.count(), images.itemSize(), images.data(),
                inputShape(images.shape())), labels);
    }

    /**
     * The images file as a job trains on it. The executors read it if it is gzipped (each gzipped file is one
     * task, which gunzips it whole) or uncompressed and larger than {@code splitSize} bytes (in splits); a small
     * uncompressed file is read here by the driver. The header and the labels are read here, before Spark starts;
     * the length of an uncompressed file is checked here too, a gzipped one's by the executor that gunzips it.
     */
    public static ExampleSource open(String imagesLocation, int numClasses, long splitSize, Configuration hadoopConf,
                                     String key) {
        return open(imagesLocation, numClasses, false, splitSize, hadoopConf, key);
    }

    /** @param classesFixed whether {@code numClasses} is {@code data.classes}, for the message about a label */
    public static ExampleSource open(String imagesLocation, int numClasses, boolean classesFixed, long splitSize,
                                     Configuration hadoopConf, String key) {
        String labelsLocation = labelsLocation(imagesLocation, key);
        boolean gzipped = imagesLocation.endsWith(".gz");
        long length = gzipped ? 0 : HadoopFiles.status(imagesLocation, hadoopConf).getLen();
        if (!gzipped && length <= splitSize) {
            return new InMemoryExamples(imagesLocation, load(imagesLocation, numClasses, classesFixed, hadoopConf,
                    key));
        }
        // NOTE: for a gzipped file this gunzips the 16 header bytes only.
        IdxHeader header = HadoopFiles.read(imagesLocation, hadoopConf,
                in -> IdxReader.readHeader(imagesLocation, new DataInputStream(in), 3));
        if (!gzipped) {
            IdxReader.checkLength(imagesLocation, header, length - header.dataOffset());
        }
        ClassLabels labels = labels(labelsLocation, imagesLocation, header.count(), numClasses, classesFixed,
                hadoopConf);
        return SplitIdxImages.plan(imagesLocation, header, inputShape(header.shape()), labels,
                gzipped ? Long.MAX_VALUE : splitSize, hadoopConf);
    }

    /** One grey channel of height x width: the shape a convolutional input layer views each row as. */
    private static int[] inputShape(int[] idxShape) {
        return new int[] {1, idxShape[1], idxShape[2]};
    }

    /**
     * @param numClasses   the classes labels must fall in, or 0 to take them from the labels (max + 1)
     * @param classesFixed whether {@code numClasses} is {@code data.classes} rather than the training labels' range
     */
    private static ClassLabels labels(String labelsLocation, String imagesLocation, int images, int numClasses,
                                      boolean classesFixed, Configuration hadoopConf) {
        IdxArray labels = HadoopFiles.read(labelsLocation, hadoopConf, in -> IdxReader.read(labelsLocation, in, 1));
        if (images != labels.count()) {
            throw new InvalidDataException(imagesLocation, "has " + images + " images but "
                    + labelsLocation + " has " + labels.count() + " labels");
        }
        int[] classes = new int[labels.count()];
        int most = 0;
        for (int i = 0; i < classes.length; i++) {
            classes[i] = labels.data()[i] & 0xff;
            most = Math.max(most, classes[i]);
        }
        if (numClasses == 0) {
            numClasses = most + 1;
            if (numClasses < 2) {
                throw new InvalidDataException(labelsLocation, "holds a single class (every label is 0)");
            }
        } else {
            for (int i = 0; i < classes.length; i++) {
                if (classes[i] >= numClasses) {
                    // NOTE: items are counted from 0, as IDX readers index them; the byte is at offset 8 + i.
                    throw new InvalidDataException(labelsLocation, "label " + classes[i] + " of item " + i
                            + " is outside " + (classesFixed ? "data.classes = " + numClasses + " (labels 0.."
                            + (numClasses - 1) + ")" : "the training labels 0.." + (numClasses - 1)));
                }
            }
        }
        return new ClassLabels(numClasses, classes);
    }
}

package org.sparkddp.driver.predict;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapred.FileSplit;
import org.apache.hadoop.mapred.InputSplit;
import org.apache.hadoop.mapred.TextInputFormat;
import org.apache.spark.api.java.JavaHadoopRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.config.DataFormat;
import org.sparkddp.common.data.HadoopFiles;
import org.sparkddp.common.data.StorageFailures;
import org.sparkddp.common.data.BadRowException;
import org.sparkddp.common.data.CsvFields;
import org.sparkddp.common.error.InvalidDataException;
import scala.Tuple2;

/**
 * CSV or LibSVM files as rows to predict, decoded by the executors. On the driver: the files (a file, a directory
 * of them or a glob) and, for CSV, the first line of the first file, which gives the field count to check against
 * the model's width. On the executors: Hadoop's {@code TextInputFormat} reads the lines of each split (a gzipped
 * file is one split), and a {@link LineParser} turns each into a row with its file and byte offset.
 */
final class TextRows implements PredictInput {
    private final String input;
    private final LineParser parser;
    /** The input as given when it names one file, so that errors and the file column name it so; else null. */
    private final String single;

    private TextRows(String input, LineParser parser, String single) {
        this.input = input;
        this.parser = parser;
        this.single = single;
    }

    /** Lists the files and, for CSV, checks the first line against the model, without Spark. */
    static TextRows plan(DataFormat format, String input, DataConfig data, int width, String model,
                         Configuration hadoop) {
        List<FileStatus> files = files(input, hadoop);
        boolean one = files.size() == 1 && files.get(0).getPath().getName().equals(new Path(input).getName());
        LineParser parser = format == DataFormat.CSV ? csv(one ? input : files.get(0).getPath().toString(), data,
                width, model, hadoop) : new LibSvmLines(width, data.onBadRow());
        return new TextRows(input, parser, one ? input : null);
    }

    @Override
    public Dataset<Row> rows(SparkSession spark, LongAccumulator skipped) {
        @SuppressWarnings("unchecked")
        JavaHadoopRDD<LongWritable, Text> lines = (JavaHadoopRDD<LongWritable, Text>) JavaSparkContext
                .fromSparkContext(spark.sparkContext()).hadoopFile(input, TextInputFormat.class, LongWritable.class,
                        Text.class);
        LineParser lineParser = parser;
        String name = single;
        // Executor: each split's lines, parsed where they are read.
        JavaRDD<Row> rows = lines.mapPartitionsWithInputSplit((split, it) -> parsed(name != null ? name
                : ((FileSplit) split).getPath().toString(), it, lineParser, skipped), true);
        return spark.createDataFrame(rows, PredictRows.schema(false));
    }

    /** The input's files, sorted, hidden ones ({@code _SUCCESS}, {@code .crc}) left out as Hadoop leaves them. */
    private static List<FileStatus> files(String input, Configuration hadoop) {
        try {
            Path path = new Path(input);
            FileSystem fs = path.getFileSystem(hadoop);
            FileStatus[] matched = fs.globStatus(path);
            List<FileStatus> files = new ArrayList<>();
            for (FileStatus status : matched == null ? new FileStatus[0] : matched) {
                files.addAll(status.isDirectory() ? Arrays.asList(fs.listStatus(status.getPath())) : List.of(status));
            }
            files.removeIf(f -> f.isDirectory() || f.getPath().getName().startsWith("_")
                    || f.getPath().getName().startsWith("."));
            if (files.isEmpty()) {
                throw new InvalidDataException(input, matched == null || matched.length == 0
                        ? "no such file or directory" : "holds no data files");
            }
            files.sort(Comparator.comparing(f -> f.getPath().toString()));
            return files;
        } catch (IllegalArgumentException e) {
            throw new InvalidDataException(input, "is not a usable path: " + e.getMessage());
        } catch (IOException e) {
            throw new InvalidDataException(input, StorageFailures.reason(e), e);
        }
    }

    /**
     * The CSV parser for files whose first line has the field count every row must have: the model's width plus
     * the label columns (dropped), or the width alone (rows of features only). Anything else is the wrong file for
     * this model, found here before Spark reads it.
     */
    private static CsvLines csv(String first, DataConfig data, int width, String model, Configuration hadoop) {
        CsvFields.FirstLine line = HadoopFiles.read(first, hadoop, CsvFields::firstLine);
        if (line == null) {
            throw new InvalidDataException(first, "holds no rows");
        }
        int fields;
        try {
            fields = new CsvFields(data.csv().delimiter()).split(line.text()).length;
        } catch (BadRowException e) {
            throw new InvalidDataException(first + ":" + line.number(), e.problem());
        }
        List<Integer> columns = data.csv().labelColumns();
        if (fields == width) {
            return new CsvLines(data.csv(), fields, new int[0], data.onBadRow());
        }
        int[] labels = new int[columns.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = columns.get(i) < 0 ? fields + columns.get(i) : columns.get(i);
        }
        boolean resolved = Arrays.stream(labels).allMatch(c -> c >= 0 && c < fields)
                && Arrays.stream(labels).distinct().count() == labels.length;
        if (!resolved || fields - labels.length != width) {
            throw new InvalidDataException(first, "has " + fields + " fields per row (split on "
                    + data.csv().delimiterName() + "), which is " + (fields - labels.length) + " features after the "
                    + labels.length + " label column" + (labels.length == 1 ? "" : "s") + " of data.csv.label-columns,"
                    + " but the model in " + model + " takes " + width);
        }
        return new CsvLines(data.csv(), fields, labels, data.onBadRow());
    }

    /** The rows of one split's lines; blank and header lines give none, skipped bad rows are counted. */
    private static Iterator<Row> parsed(String file, Iterator<Tuple2<LongWritable, Text>> lines, LineParser parser,
                                        LongAccumulator skipped) {
        return new Iterator<>() {
            private Row pending;

            @Override
            public boolean hasNext() {
                while (pending == null && lines.hasNext()) {
                    Tuple2<LongWritable, Text> line = lines.next(); // Hadoop reuses both objects: copied now
                    long offset = line._1().get();
                    try {
                        Vector features = parser.parse(file, offset, line._2().toString());
                        if (features != null) {
                            pending = RowFactory.create(file, offset, features);
                        }
                    } catch (LineParser.Skipped e) {
                        skipped.add(1);
                    }
                }
                return pending != null;
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Row row = pending;
                pending = null;
                return row;
            }
        };
    }
}

package org.sparkddp.common.data;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import org.sparkddp.common.config.CsvConfig;
import org.sparkddp.common.config.DataFormat;

/**
 * Decodes the lines of one split of a CSV or LibSVM file into a {@link RowBlock}, checking each row ({@link
 * CsvRowParser}; {@link LibSvmRow}'s rules). Runs on an executor.
 *
 * <p>A split {@code [start, end)} holds the lines that start in it (the convention of Hadoop's
 * {@code LineRecordReader}): a reader that starts mid-line leaves that line to the split before, and reads on past
 * {@code end} to finish its own last line. A gzipped file is one split, read whole. Bad rows are recorded, never
 * thrown ({@link BadRows}): line numbers are the block's own, which the driver turns into the file's.
 *
 * @param format    csv or libsvm
 * @param csv       how CSV lines are split (unused for LibSVM)
 * @param options   how targets are read, and what the training set fixed
 * @param fields    the fields of a CSV row, from the file's first line (read by the driver); unused for LibSVM
 * @param targetOf  the CSV label columns, 0-based; unused for LibSVM
 */
public record TextBlockDecoder(DataFormat format, CsvConfig csv, ReadOptions options, int fields, int[] targetOf)
        implements Serializable {

    /**
     * Decodes the split. {@code in} is at byte {@code start - 1} when {@code start > 0} (to see whether a line
     * starts exactly at {@code start}), else at the file's start.
     *
     * @param end where the split ends: Long.MAX_VALUE for a whole (gzipped) file
     */
    public RowBlock decode(String file, long start, long end, InputStream raw) throws IOException {
        Lines lines = new Lines(new BufferedInputStream(raw, 1 << 16), start > 0 ? start - 1 : 0);
        if (start > 0) {
            lines.skipPartial();
        }
        BadRows bad = new BadRows();
        boolean libsvm = format == DataFormat.LIBSVM;
        int width = libsvm ? 1 : csv.labelColumns().size();
        RowBlock.Builder block = new RowBlock.Builder(file, start, libsvm, width);
        TargetColumns targets = new TargetColumns(options, width);
        Rows rows = libsvm ? new LibSvmRows(options, targets, block) : new CsvRows(targets, block);
        long lineNumber = 0;
        boolean headerPending = start == 0 && !libsvm && csv.header();
        String line;
        while (lines.position() < end && (line = lines.next()) != null) {
            lineNumber++;
            if (start == 0 && lineNumber == 1) {
                line = CsvFields.withoutBom(line);
            }
            if (line.isBlank()) {
                continue;
            }
            if (headerPending) {
                headerPending = false;
                continue;
            }
            rows.add(line, lineNumber, bad);
        }
        return block.build(lineNumber, bad);
    }

    /** One format's row parser, appending good rows to the block and recording bad ones. */
    private interface Rows {
        void add(String line, long lineNumber, BadRows bad);
    }

    /** Every row has {@code fields} values, each a finite number ({@link CsvRowParser}). */
    private final class CsvRows implements Rows {
        private final CsvRowParser parser = new CsvRowParser(csv.delimiter(), fields, targetOf);
        private final TargetColumns targets;
        private final RowBlock.Builder block;
        private final float[] features = new float[parser.features()];
        private final float[] target = new float[targetOf.length];

        CsvRows(TargetColumns targets, RowBlock.Builder block) {
            this.targets = targets;
            this.block = block;
        }

        @Override
        public void add(String line, long lineNumber, BadRows bad) {
            try {
                parser.read(line, features, target);
            } catch (BadRowException e) {
                bad.reject(lineNumber, e.problem());
                return;
            }
            for (float t : target) {
                if (!targets.accept(t, lineNumber, bad)) {
                    return;
                }
            }
            block.addDense(features, features.length, target, options.kind() == TargetKind.CLASS_INDEX);
        }
    }

    /** As {@link LibSvmRow}: a label, then increasing 1-based index:value pairs; {@code #} starts a comment. */
    private static final class LibSvmRows implements Rows {
        private final ReadOptions options;
        private final TargetColumns targets;
        private final RowBlock.Builder block;
        private final float[] target = new float[1];

        LibSvmRows(ReadOptions options, TargetColumns targets, RowBlock.Builder block) {
            this.options = options;
            this.targets = targets;
            this.block = block;
        }

        @Override
        public void add(String line, long lineNumber, BadRows bad) {
            int comment = line.indexOf('#');
            String content = (comment >= 0 ? line.substring(0, comment) : line).strip();
            if (content.isEmpty()) {
                return;
            }
            String[] tokens = LibSvmRow.BLANKS.split(content);
            Float label = bad.number(lineNumber, tokens[0], "label");
            if (label == null || !targets.accept(label, lineNumber, bad)) {
                return;
            }
            FloatColumn indices = new FloatColumn();
            FloatColumn values = new FloatColumn();
            if (LibSvmRow.parseFeatures(options, tokens, lineNumber, bad, indices, values) < 0) {
                return;
            }
            int[] rowIndices = new int[indices.size()];
            for (int i = 0; i < rowIndices.length; i++) {
                rowIndices[i] = (int) indices.get(i);
            }
            target[0] = label;
            block.addSparse(rowIndices, values.toArray(), rowIndices.length, target,
                    options.kind() == TargetKind.CLASS_INDEX);
        }
    }

    /** UTF-8 lines with the byte offset where each starts; {@code \r\n} and {@code \n} both end a line. */
    private static final class Lines {
        private final InputStream in;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        private long position;

        Lines(InputStream in, long position) {
            this.in = in;
            this.position = position;
        }

        /** Where the next line starts. */
        long position() {
            return position;
        }

        /** Skips to just past the next {@code \n}: the line that started before the split is the previous one's. */
        void skipPartial() throws IOException {
            int b;
            while ((b = in.read()) >= 0) {
                position++;
                if (b == '\n') {
                    return;
                }
            }
        }

        /** The next line without its terminator, or null at the end of the stream. */
        String next() throws IOException {
            line.reset();
            int b = in.read();
            if (b < 0) {
                return null;
            }
            while (b >= 0) {
                position++;
                if (b == '\n') {
                    break;
                }
                line.write(b);
                b = in.read();
            }
            String text = line.toString(StandardCharsets.UTF_8);
            return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
        }
    }
}

package org.sparkddp.common.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.spark.serializer.KryoRegistrator;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import org.sparkddp.common.data.BlockCounts;
import org.sparkddp.common.data.BlockStats;
import org.sparkddp.common.data.ClassLabels;
import org.sparkddp.common.data.DenseFeatures;
import org.sparkddp.common.data.FeatureMatrix;
import org.sparkddp.common.data.FeatureScaling;
import org.sparkddp.common.data.FeatureStats;
import org.sparkddp.common.data.IndexedImages;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.RealTargets;
import org.sparkddp.common.data.RowBlock;
import org.sparkddp.common.data.PieceKey;
import org.sparkddp.common.data.RowPiece;
import org.sparkddp.common.data.Targets;
import org.sparkddp.common.data.UnsignedByteFeatures;
import org.sparkddp.common.data.shard.ChunkedBytes;
import org.sparkddp.common.data.shard.Encoding;
import org.sparkddp.common.data.shard.InMemoryChunks;
import org.sparkddp.common.data.shard.SpilledBytes;
import org.sparkddp.common.data.shard.StoredFeatures;
import org.sparkddp.common.eval.ClassificationAggregator;
import org.sparkddp.common.eval.HeldOutMetrics;
import org.sparkddp.common.eval.RegressionAggregator;

/**
 * Registers every type that crosses JVMs through Spark's Kryo serializer (broadcasts, task results, cached
 * blocks), each with an explicit serializer.
 *
 * <p>NOTE: explicit, because these are Java records: since JDK 15 neither reflection nor Unsafe may write a
 * record's final fields, which is how Kryo 4's default FieldSerializer works. Explicit serializers are also
 * compact (flat float arrays, no class names) and let {@code spark.kryo.registrationRequired} stay on.
 */
public final class WireKryoRegistrator implements KryoRegistrator {
    @Override
    public void registerClasses(Kryo kryo) {
        kryo.register(ModelState.class, new ModelStateSerializer());
        kryo.register(StageReport.class, new StageReportSerializer());
        kryo.register(StageReport[].class);
        kryo.register(ClassificationAggregator.class, new AggregatorSerializer());
        kryo.register(ClassificationAggregator[].class);
        kryo.register(RegressionAggregator.class, new RegressionAggregatorSerializer());
        kryo.register(RegressionAggregator[].class);
        kryo.register(HeldOutMetrics[].class);
        kryo.register(LabeledExamples.class, new ExamplesSerializer());
        kryo.register(LabeledExamples[].class);
        kryo.register(IndexedImages.class, new IndexedImagesSerializer());
        kryo.register(Integer[].class); // the split numbers of a file read in splits, placed by SparkContext.makeRDD
        // Decoded tabular data (cached blocks, their counts and statistics, shuffled pieces): plain Java
        // serialization, as these carry flat arrays and cross the wire once per block, not per row.
        JavaSerializer java = new JavaSerializer();
        for (Class<?> type : new Class<?>[] {RowBlock.class, BlockCounts.class, BlockStats.class, FeatureStats.class,
            RowPiece.class, PieceKey.class, FeatureScaling.class}) {
            kryo.register(type, java);
        }
        kryo.register(BlockCounts[].class);
        kryo.register(Object[].class); // what a Java RDD's collect returns, whatever its element type
    }

    static final class IndexedImagesSerializer extends Serializer<IndexedImages> {
        @Override
        public void write(Kryo kryo, Output out, IndexedImages images) {
            out.writeInt(images.indices().length);
            out.writeInts(images.indices(), true);
            out.writeInt(images.pixels().length);
            out.writeBytes(images.pixels());
        }

        @Override
        public IndexedImages read(Kryo kryo, Input in, Class<IndexedImages> type) {
            return new IndexedImages(in.readInts(in.readInt(), true), in.readBytes(in.readInt()));
        }
    }

    static final class ModelStateSerializer extends Serializer<ModelState> {
        @Override
        public void write(Kryo kryo, Output out, ModelState s) {
            writeFloats(out, s.params());
            writeFloats(out, s.updaterState());
            out.writeLong(s.iteration());
            out.writeInt(s.epoch());
        }

        @Override
        public ModelState read(Kryo kryo, Input in, Class<ModelState> type) {
            return new ModelState(readFloats(in), readFloats(in), in.readLong(), in.readInt());
        }
    }

    static final class StageReportSerializer extends Serializer<StageReport> {
        @Override
        public void write(Kryo kryo, Output out, StageReport r) {
            out.writeInt(r.rank());
            out.writeLong(r.firstIteration());
            writeFloats(out, r.losses());
            out.writeInt(r.endNanos().length);
            out.writeLongs(r.endNanos());
            out.writeLong(r.computeNanos());
            out.writeLong(r.syncNanos());
            out.writeLong(r.reachedIteration());
            out.writeInt(r.storedCrcs().length);
            out.writeLongs(r.storedCrcs());
            out.writeLong(r.divergedAt());
            out.writeString(r.process().executorId());
            out.writeString(r.process().host());
            out.writeLong(r.process().pid());
            out.writeString(r.process().workDir());
            out.writeString(r.computePath().layers());
            out.writeString(r.computePath().step());
        }

        @Override
        public StageReport read(Kryo kryo, Input in, Class<StageReport> type) {
            return new StageReport(in.readInt(), in.readLong(), readFloats(in), in.readLongs(in.readInt()),
                    in.readLong(), in.readLong(), in.readLong(), in.readLongs(in.readInt()), in.readLong(),
                    new ExecutorProcess(in.readString(), in.readString(), in.readLong(), in.readString()),
                    new ComputePath(in.readString(), in.readString()));
        }
    }

    static final class AggregatorSerializer extends Serializer<ClassificationAggregator> {
        @Override
        public void write(Kryo kryo, Output out, ClassificationAggregator a) {
            out.writeInt(a.numClasses());
            out.writeLong(a.examples());
            out.writeDouble(a.lossSum());
            out.writeLong(a.correct());
            long[] confusion = a.confusion();
            out.writeInt(confusion.length);
            out.writeLongs(confusion);
            out.writeDouble(a.trueProbabilitySum());
        }

        @Override
        public ClassificationAggregator read(Kryo kryo, Input in, Class<ClassificationAggregator> type) {
            int classes = in.readInt();
            long examples = in.readLong();
            double lossSum = in.readDouble();
            long correct = in.readLong();
            long[] confusion = in.readLongs(in.readInt());
            return new ClassificationAggregator(classes, examples, lossSum, correct, confusion, in.readDouble());
        }
    }

    static final class RegressionAggregatorSerializer extends Serializer<RegressionAggregator> {
        @Override
        public void write(Kryo kryo, Output out, RegressionAggregator a) {
            out.writeInt(a.width());
            out.writeBoolean(a.binary());
            out.writeLong(a.examples());
            out.writeDoubles(a.squaredErrors());
            out.writeLong(a.correct());
            out.writeDoubles(a.absoluteErrors());
            out.writeDoubles(a.targetSums());
            out.writeDoubles(a.targetSquares());
        }

        @Override
        public RegressionAggregator read(Kryo kryo, Input in, Class<RegressionAggregator> type) {
            int width = in.readInt();
            boolean binary = in.readBoolean();
            long examples = in.readLong();
            double[] squaredErrors = in.readDoubles(width);
            long correct = in.readLong();
            return new RegressionAggregator(width, binary, examples, squaredErrors, correct, in.readDoubles(width),
                    in.readDoubles(width), in.readDoubles(width));
        }
    }

    /** A shard: a tag byte and the data of its feature storage, then a tag byte and the data of its targets. */
    static final class ExamplesSerializer extends Serializer<LabeledExamples> {
        private static final byte UNSIGNED_BYTES = 0;
        private static final byte DENSE_FLOATS = 1;
        private static final byte STORED_CHUNKS = 2;
        private static final byte CLASS_LABELS = 0;
        private static final byte REAL_TARGETS = 1;

        @Override
        public void write(Kryo kryo, Output out, LabeledExamples e) {
            writeFeatures(out, e.features());
            writeTargets(out, e.targets());
        }

        @Override
        public LabeledExamples read(Kryo kryo, Input in, Class<LabeledExamples> type) {
            return new LabeledExamples(readFeatures(in), readTargets(in));
        }

        private static void writeFeatures(Output out, FeatureMatrix matrix) {
            if (matrix instanceof UnsignedByteFeatures features) {
                out.writeByte(UNSIGNED_BYTES);
                out.writeInt(features.rows());
                out.writeInt(features.columns());
                int[] shape = features.inputShape();
                out.writeInt(shape.length);
                out.writeInts(shape, true);
                out.writeInt(features.data().length);
                out.writeBytes(features.data());
            } else if (matrix instanceof DenseFeatures features) {
                out.writeByte(DENSE_FLOATS);
                out.writeInt(features.rows());
                out.writeInt(features.columns());
                writeFloats(out, features.data());
            } else if (matrix instanceof StoredFeatures features) {
                out.writeByte(STORED_CHUNKS);
                out.writeInt(features.rows());
                out.writeInt(features.columns());
                int[] shape = features.inputShape();
                out.writeInt(shape.length);
                out.writeInts(shape, true);
                out.writeByte(features.encoding().ordinal());
                writeChunks(out, features);
            } else {
                throw new IllegalArgumentException("no serializer for " + matrix.getClass().getName());
            }
        }

        /**
         * NOTE: a shard spilled to an executor's disk has only a file name there; shipping it would hand another
         * JVM a name it cannot read, so it fails here instead, naming the file.
         */
        private static void writeChunks(Output out, StoredFeatures features) {
            if (features.store() instanceof SpilledBytes spilled) {
                throw new IllegalStateException("a shard spilled to " + spilled.path() + " on an executor's local"
                        + " disk cannot be serialized to another JVM (data.cache-memory); it is read where it was"
                        + " built");
            }
            if (!(features.store() instanceof ChunkedBytes chunked)) {
                throw new IllegalArgumentException("no serializer for " + features.store().getClass().getName());
            }
            out.writeInt(chunked.chunkBytes());
            out.writeLong(chunked.size());
            for (int i = 0; i < chunked.chunks(); i++) {
                out.writeBytes(chunked.source().chunk(i), 0, chunked.chunkLength(i));
            }
        }

        private static StoredFeatures readChunks(Input in, int rows, int columns, int[] shape, Encoding encoding) {
            int chunkBytes = in.readInt();
            long size = in.readLong();
            int count = (int) ((size + chunkBytes - 1) / chunkBytes);
            byte[][] chunks = new byte[count][];
            for (int i = 0; i < count; i++) {
                chunks[i] = in.readBytes((int) Math.min(chunkBytes, size - (long) i * chunkBytes));
            }
            return new StoredFeatures(rows, columns, shape, encoding,
                    new ChunkedBytes(chunkBytes, size, new InMemoryChunks(chunks)));
        }

        private static FeatureMatrix readFeatures(Input in) {
            byte tag = in.readByte();
            int rows = in.readInt();
            int columns = in.readInt();
            if (tag == UNSIGNED_BYTES) {
                int[] shape = in.readInts(in.readInt(), true);
                return new UnsignedByteFeatures(rows, columns, in.readBytes(in.readInt()), shape);
            }
            if (tag == DENSE_FLOATS) {
                return new DenseFeatures(rows, columns, readFloats(in));
            }
            if (tag == STORED_CHUNKS) {
                int[] shape = in.readInts(in.readInt(), true);
                return readChunks(in, rows, columns, shape, Encoding.values()[in.readByte()]);
            }
            throw new IllegalStateException("unknown feature storage tag " + tag);
        }

        private static void writeTargets(Output out, Targets targets) {
            if (targets instanceof ClassLabels labels) {
                out.writeByte(CLASS_LABELS);
                out.writeInt(labels.numClasses());
                out.writeInt(labels.size());
                out.writeInts(labels.labels(), true);
            } else if (targets instanceof RealTargets real) {
                out.writeByte(REAL_TARGETS);
                out.writeInt(real.width());
                writeFloats(out, real.values());
            } else {
                throw new IllegalArgumentException("no serializer for " + targets.getClass().getName());
            }
        }

        private static Targets readTargets(Input in) {
            byte tag = in.readByte();
            if (tag == CLASS_LABELS) {
                int classes = in.readInt();
                return new ClassLabels(classes, in.readInts(in.readInt(), true));
            }
            if (tag == REAL_TARGETS) {
                int width = in.readInt();
                return new RealTargets(width, readFloats(in));
            }
            throw new IllegalStateException("unknown targets tag " + tag);
        }
    }

    /** Floats in blocks, through bulk little-endian byte copies: much faster than Kryo's float-at-a-time loop. */
    private static final int BLOCK = 1 << 14;

    private static void writeFloats(Output out, float[] values) {
        out.writeInt(values.length);
        ByteBuffer block = ByteBuffer.allocate(BLOCK * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int from = 0; from < values.length; from += BLOCK) {
            int n = Math.min(BLOCK, values.length - from);
            block.clear();
            block.asFloatBuffer().put(values, from, n);
            out.writeBytes(block.array(), 0, n * Float.BYTES);
        }
    }

    private static float[] readFloats(Input in) {
        float[] values = new float[in.readInt()];
        byte[] bytes = new byte[BLOCK * Float.BYTES];
        ByteBuffer block = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int from = 0; from < values.length; from += BLOCK) {
            int n = Math.min(BLOCK, values.length - from);
            in.readBytes(bytes, 0, n * Float.BYTES);
            block.clear();
            block.asFloatBuffer().get(values, from, n);
        }
        return values;
    }
}

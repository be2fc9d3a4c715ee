package org.sparkddp.driver.export;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;
import onnx.Onnx;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.protobuf.ByteString;

/**
 * An ONNX graph under construction: nodes in execution order, the weights as initializers, tensor names kept unique.
 * Runs on the driver (or wherever a Spark ML model is exported). The protobuf classes are the ones generated from
 * ONNX's schema that ship inside ND4J's {@code nd4j-api} (package {@code onnx}), so this class only fills in
 * messages; it never encodes bytes itself.
 *
 * <p>Opset 13 (ONNX 1.8, IR version 7): every operator used here has its current definition there, and both
 * onnxruntime and Debian's onnx 1.12 (opsets up to 17) accept it.
 */
public final class OnnxGraph {
    /** The ONNX operator set the exported models import. */
    public static final int OPSET = 13;
    /** The IR version that goes with {@link #OPSET}. */
    public static final long IR_VERSION = 7;

    private final Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder();
    private final Set<String> names = new HashSet<>();

    public OnnxGraph(String name) {
        graph.setName(name);
    }

    /**
     * Adds a node with one output, named after the layer and the operator.
     *
     * @return the name of the node's output tensor
     */
    public String node(String op, String layer, java.util.List<String> inputs, Onnx.AttributeProto... attributes) {
        String output = unique(layer + "/" + op);
        Onnx.NodeProto.Builder node = graph.addNodeBuilder().setOpType(op).setName(output).addOutput(output);
        inputs.forEach(node::addInput);
        for (Onnx.AttributeProto a : attributes) {
            node.addAttribute(a);
        }
        return output;
    }

    /** Adds a float32 constant with the array's shape; returns its name. */
    public String weights(String name, INDArray values) {
        INDArray floats = values.castTo(DataType.FLOAT).dup('c');
        return weights(name, floats.reshape(floats.length()).toFloatVector(), floats.shape());
    }

    /** Adds a float32 constant of the given shape; returns its name. */
    public String weights(String name, float[] values, long... shape) {
        // NOTE: raw_data holds the values little-endian, whatever the machine's byte order (ONNX's rule).
        ByteBuffer bytes = ByteBuffer.allocate(Float.BYTES * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        return initializer(name, Onnx.TensorProto.DataType.FLOAT, ByteString.copyFrom(bytes.array()), shape);
    }

    /** Adds a 1-D int64 constant (a shape for Reshape); returns its name. */
    public String int64s(String name, long... values) {
        ByteBuffer bytes = ByteBuffer.allocate(Long.BYTES * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asLongBuffer().put(values);
        return initializer(name, Onnx.TensorProto.DataType.INT64, ByteString.copyFrom(bytes.array()), values.length);
    }

    private String initializer(String name, Onnx.TensorProto.DataType type, ByteString raw, long... shape) {
        String unique = unique(name);
        Onnx.TensorProto.Builder tensor = graph.addInitializerBuilder().setName(unique).setDataType(type)
                .setRawData(raw);
        for (long d : shape) {
            tensor.addDims(d);
        }
        return unique;
    }

    /** Declares the graph's input: float32 rows of {@code width} values, any number of them. */
    public String input(String name, long width) {
        String unique = unique(name);
        graph.addInput(rows(unique, width));
        return unique;
    }

    /** Declares {@code tensor}, of float32 rows of {@code width} values, as the graph's output {@code name}. */
    public void output(String tensor, String name, long width) {
        String out = names.add(name) ? name : unique(name);
        graph.addNodeBuilder().setOpType("Identity").setName(out).addInput(tensor).addOutput(out);
        graph.addOutput(rows(out, width));
    }

    /** The finished model. */
    public Onnx.ModelProto model(String producerVersion, String doc) {
        return Onnx.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("spark-ddp")
                .setProducerVersion(producerVersion)
                .setDocString(doc)
                .setGraph(graph)
                .build();
    }

    private static Onnx.ValueInfoProto rows(String name, long width) {
        Onnx.TensorShapeProto shape = Onnx.TensorShapeProto.newBuilder()
                .addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                .addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(width))
                .build();
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder()
                .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(Onnx.TensorProto.DataType.FLOAT)
                        .setShape(shape))).build();
    }

    private String unique(String name) {
        String candidate = name;
        for (int i = 2; !names.add(candidate); i++) {
            candidate = name + "_" + i;
        }
        return candidate;
    }

    /** An int attribute. */
    public static Onnx.AttributeProto attr(String name, long value) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INT)
                .setI(value).build();
    }

    /** A float attribute. */
    public static Onnx.AttributeProto attr(String name, float value) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.FLOAT)
                .setF(value).build();
    }

    /** A string attribute. */
    public static Onnx.AttributeProto attr(String name, String value) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value)).build();
    }

    /** An ints attribute. */
    public static Onnx.AttributeProto ints(String name, int... values) {
        Onnx.AttributeProto.Builder a = Onnx.AttributeProto.newBuilder().setName(name)
                .setType(Onnx.AttributeProto.AttributeType.INTS);
        for (int v : values) {
            a.addInts(v);
        }
        return a.build();
    }
}

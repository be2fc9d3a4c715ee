package org.sparkddp.driver.output;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkddp.common.data.HadoopFiles;
import org.sparkddp.common.error.InvalidDataException;

/**
 * Reads a {@code model.zip} back, validated, without Java deserialization. Runs on the driver.
 *
 * <p>DL4J's own {@code ModelSerializer.restoreMultiLayerNetwork} reads an entry {@code preprocessor.bin} with
 * {@code ObjectInputStream}: a crafted zip could run code through a gadget chain. This reader accepts only the
 * entries a spark-ddp model has (JSON configuration, ND4J binary arrays), checks that the arrays have the sizes the
 * configuration implies, and names the file and entry when anything is off.
 */
public final class ModelArchive {
    static final String CONFIGURATION = "configuration.json";
    static final String COEFFICIENTS = "coefficients.bin";
    static final String UPDATER = "updaterState.bin";
    private static final Set<String> KNOWN = Set.of(CONFIGURATION, COEFFICIENTS, UPDATER, "noParams.marker");
    /** Larger than any spark-ddp model's arrays (a 100M-parameter model with Adam is 1.2 GB). */
    private static final long MAX_ENTRY_BYTES = 4L << 30;

    private ModelArchive() {
    }

    /**
     * A restored network of either DL4J type.
     *
     * @param network    the DL4J model, parameters and updater state loaded
     * @param numOutputs the output layer's width
     * @param softmax    whether the output layer is a softmax over classes (else its outputs are values)
     */
    public record Restored(Model network, int numOutputs, boolean softmax) {
        /** The network's output for a batch of flat input rows, in inference mode. */
        public INDArray output(INDArray features) {
            return network instanceof ComputationGraph graph
                    ? graph.output(false, features)[0] : ((MultiLayerNetwork) network).output(features, false);
        }
    }

    /** @param location a model.zip as a local path or any Hadoop FileSystem URI */
    public static Restored read(String location, Configuration hadoopConf) {
        return restore(location, HadoopFiles.read(location, hadoopConf, in -> entries(location, in)));
    }

    /** The same, from a model.zip's bytes held in memory (a Spark ML model's, on an executor). */
    public static Restored read(String name, byte[] zip) {
        try {
            return restore(name, entries(name, new java.io.ByteArrayInputStream(zip)));
        } catch (IOException e) {
            throw new InvalidDataException(name, "is not a valid zip (" + e.getMessage() + ")");
        }
    }

    private static Restored restore(String location, Map<String, byte[]> entries) {
        if (!entries.containsKey(CONFIGURATION) || !entries.containsKey(COEFFICIENTS)) {
            throw new InvalidDataException(location, "is not a model: it lacks " + (entries.containsKey(CONFIGURATION)
                    ? COEFFICIENTS : CONFIGURATION) + " (expected a model.zip written by spark-ddp or DL4J)");
        }
        String json = new String(entries.get(CONFIGURATION), java.nio.charset.StandardCharsets.UTF_8);
        Model network;
        Layer output;
        try {
            // A graph's configuration lists its vertices; a layer stack's does not.
            if (json.contains("\"vertices\"")) {
                ComputationGraph graph = new ComputationGraph(ComputationGraphConfiguration.fromJson(json));
                graph.init();
                network = graph;
                output = graph.getOutputLayer(0);
            } else {
                MultiLayerNetwork stack = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(json));
                stack.init();
                network = stack;
                output = stack.getOutputLayer();
            }
        } catch (RuntimeException e) {
            throw new InvalidDataException(location + "!/" + CONFIGURATION, "is not a DL4J network configuration");
        }
        INDArray params = array(location, COEFFICIENTS, entries.get(COEFFICIENTS), network.numParams());
        network.setParams(params.reshape(1, network.numParams()));
        byte[] updaterBytes = entries.get(UPDATER);
        BaseMultiLayerUpdater<?> updater = network instanceof ComputationGraph graph
                ? graph.getUpdater() : (BaseMultiLayerUpdater<?>) ((MultiLayerNetwork) network).getUpdater();
        if (updaterBytes != null && updater.getStateViewArray() != null) {
            long size = updater.getStateViewArray().length();
            updater.setStateViewArray(array(location, UPDATER, updaterBytes, size).reshape(1, size)
                    .castTo(params.dataType()));
        }
        FeedForwardLayer last = (FeedForwardLayer) output.conf().getLayer();
        return new Restored(network, (int) last.getNOut(),
                last.getActivationFn() instanceof ActivationSoftmax);
    }

    private static Map<String, byte[]> entries(String location, java.io.InputStream in) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                if (!KNOWN.contains(e.getName())) {
                    throw new InvalidDataException(location, "is not a spark-ddp model: it holds '" + e.getName()
                            + "', an entry spark-ddp models never have; refused");
                }
                byte[] bytes = zip.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, MAX_ENTRY_BYTES));
                if (zip.read() != -1) {
                    throw new InvalidDataException(location + "!/" + e.getName(), "is too large for a model");
                }
                entries.put(e.getName(), bytes);
            }
        } catch (java.io.EOFException e) {
            throw new InvalidDataException(location, "is not a model: the zip archive is truncated");
        } catch (java.util.zip.ZipException e) {
            throw new InvalidDataException(location, "is not a model: not a readable zip archive (" + e.getMessage() + ")");
        }
        if (entries.isEmpty()) {
            throw new InvalidDataException(location, "is not a model: not a zip archive");
        }
        return entries;
    }

    /** An ND4J binary array that must hold exactly {@code expected} elements. */
    private static INDArray array(String location, String name, byte[] bytes, long expected) {
        INDArray array;
        try {
            array = Nd4j.read(new DataInputStream(new ByteArrayInputStream(bytes)));
        } catch (RuntimeException e) {
            throw new InvalidDataException(location + "!/" + name, "is not an ND4J array (truncated or corrupt)");
        }
        if (array.length() != expected) {
            throw new InvalidDataException(location + "!/" + name, "holds " + array.length()
                    + " values but the network in " + CONFIGURATION + " needs " + expected);
        }
        return array;
    }
}

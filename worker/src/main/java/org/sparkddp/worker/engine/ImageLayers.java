package org.sparkddp.worker.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.PReLULayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.params.PReLUParamInitializer;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Compiles DL4J's image layers (convolution, pooling, batch norm, PReLU) into engine layers, reading each layer's own
 * configuration; what the engine does not compute exactly as DL4J would is {@link Uncovered}, naming the layer and
 * the setting. Runs on an executor, once per replica.
 */
final class ImageLayers {
    private ImageLayers() {
    }

    /**
     * The engine's steps for {@code layer} on input {@code in}: one, or a convolution and its (non-ReLU) activation.
     *
     * @throws ImageLayout.NoNchwKernel in the NCHW layout, for an image layer that has no kernel for it
     */
    static List<EngineLayer> compile(Layer layer, Shape in, ImageLayout layout, String where) throws Uncovered {
        org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
        if (conf.getClass() == ConvolutionLayer.class) {
            return convolution(layer, (ConvolutionLayer) conf, in, layout, where);
        } else if (conf.getClass() == SubsamplingLayer.class) {
            return List.of(pooling((SubsamplingLayer) conf, in, layout, where));
        } else if (conf.getClass() == BatchNormalization.class) {
            return List.of(batchNorm(layer, (BatchNormalization) conf, in, layout, where));
        } else if (conf.getClass() == PReLULayer.class) {
            if (layout == ImageLayout.NCHW && in.image()) {
                throw new ImageLayout.NoNchwKernel(where + ": PReLU on images");
            }
            return List.of(prelu(layer, in, where));
        }
        throw new Uncovered(where + ": no engine layer for " + conf.getClass().getName());
    }

    private static List<EngineLayer> convolution(Layer layer, ConvolutionLayer conf, Shape in, ImageLayout layout,
                                                 String where) throws Uncovered {
        requireImage(in, where);
        if (conf.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
            throw new Uncovered(where + ": data format " + conf.getCnn2dDataFormat());
        }
        if (!conf.hasBias()) {
            throw new Uncovered(where + ": a convolution without bias");
        }
        requireNoDilation(conf.getDilation(), where);
        int[] kernel = conf.getKernelSize();
        int[] stride = conf.getStride();
        int[] padding;
        int[] padBottomRight;
        int outH;
        int outW;
        if (conf.getConvolutionMode() == ConvolutionMode.Same) {
            outH = (in.height() + stride[0] - 1) / stride[0];
            outW = (in.width() + stride[1] - 1) / stride[1];
            // DL4J's top-left padding; the bottom and right get the rest (one more when the total is odd)
            padding = new int[] {((outH - 1) * stride[0] + kernel[0] - in.height()) / 2,
                    ((outW - 1) * stride[1] + kernel[1] - in.width()) / 2};
            padBottomRight = new int[] {(outH - 1) * stride[0] + kernel[0] - in.height() - padding[0],
                    (outW - 1) * stride[1] + kernel[1] - in.width() - padding[1]};
            if (padding[0] < 0 || padding[1] < 0) {
                throw new Uncovered(where + ": same-mode padding " + Arrays.toString(padding) + " below zero");
            }
        } else if (conf.getConvolutionMode() == ConvolutionMode.Truncate) {
            padding = conf.getPadding();
            padBottomRight = padding;
            outH = ConvOp.truncateSize(in.height(), kernel[0], stride[0], padding[0]);
            outW = ConvOp.truncateSize(in.width(), kernel[1], stride[1], padding[1]);
        } else {
            throw new Uncovered(where + ": convolution mode " + conf.getConvolutionMode());
        }
        INDArray w = layer.getParam(ConvolutionParamInitializer.WEIGHT_KEY);
        long[] expected = {conf.getNOut(), in.channels(), kernel[0], kernel[1]};
        if (!Arrays.equals(w.shape(), expected) || w.ordering() != 'c' || outH < 1 || outW < 1) {
            throw new Uncovered(where + ": weights of shape " + Arrays.toString(w.shape()) + " order " + w.ordering()
                    + " on an input of " + in + " (output " + outH + "x" + outW + ")");
        }
        Shape out = Shape.image((int) conf.getNOut(), outH, outW);
        Map<String, INDArray> grads = LayerTranslator.gradients(layer);
        List<EngineLayer> steps = new ArrayList<>();
        boolean relu = conf.getActivationFn() instanceof ActivationReLU r && r.equals(new ActivationReLU());
        NativeFloats b = NativeFloats.of(layer.getParam(ConvolutionParamInitializer.BIAS_KEY));
        NativeFloats dW = NativeFloats.of(grads.get(ConvolutionParamInitializer.WEIGHT_KEY));
        NativeFloats db = NativeFloats.of(grads.get(ConvolutionParamInitializer.BIAS_KEY));
        // few input channels: im2col would copy the input kH*kW times for a product of only that many rows
        steps.add(layout == ImageLayout.NCHW
                ? new DnnlConvOp(in, out, kernel, stride, padding, padBottomRight, relu, NativeFloats.of(w), b, dW, db)
                : DirectConvOp.covers(in.channels(), stride)
                ? new DirectConvOp(in, out, kernel, padding, relu, NativeFloats.of(w), b, dW, db)
                : new ConvOp(in, out, kernel, stride, padding, relu, NativeFloats.of(w), b, dW, db));
        ActivationOp activation = relu ? null : LayerTranslator.activationOp(conf.getActivationFn(), out, where);
        if (activation != null) {
            steps.add(activation);
        }
        return steps;
    }

    private static EngineLayer pooling(SubsamplingLayer conf, Shape in, ImageLayout layout, String where)
            throws Uncovered {
        requireImage(in, where);
        if (conf.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
            throw new Uncovered(where + ": data format " + conf.getCnn2dDataFormat());
        }
        if (conf.getConvolutionMode() != ConvolutionMode.Truncate) {
            throw new Uncovered(where + ": pooling in convolution mode " + conf.getConvolutionMode());
        }
        if (conf.getPadding()[0] != 0 || conf.getPadding()[1] != 0) {
            throw new Uncovered(where + ": pooling with padding " + Arrays.toString(conf.getPadding()));
        }
        requireNoDilation(conf.getDilation(), where);
        PoolingType type = conf.getPoolingType();
        if (type != PoolingType.MAX && type != PoolingType.AVG) {
            throw new Uncovered(where + ": pooling type " + type);
        }
        int[] kernel = conf.getKernelSize();
        int[] stride = conf.getStride();
        int outH = ConvOp.truncateSize(in.height(), kernel[0], stride[0], 0);
        int outW = ConvOp.truncateSize(in.width(), kernel[1], stride[1], 0);
        if (outH < 1 || outW < 1) {
            throw new Uncovered(where + ": a window of " + Arrays.toString(kernel) + " on " + in);
        }
        Shape out = Shape.image(in.channels(), outH, outW);
        return layout == ImageLayout.NCHW ? new DnnlPoolOp(in, out, type == PoolingType.MAX, kernel, stride)
                : new PoolOp(in, out, type == PoolingType.MAX, kernel, stride);
    }

    /**
     * The Java batch norm in either layout: oneDNN 2.5's batch norm on NCHW is its unvectorized reference-like
     * kernel, slower than the Java op (see {@link DnnlBatchNormOp}).
     */
    private static EngineLayer batchNorm(Layer layer, BatchNormalization conf, Shape in, ImageLayout layout,
                                         String where) throws Uncovered {
        if (conf.isLockGammaBeta()) {
            throw new Uncovered(where + ": batch norm with locked gamma and beta");
        }
        if (in.image() && conf.getCnn2DFormat() != CNN2DFormat.NCHW) {
            throw new Uncovered(where + ": data format " + conf.getCnn2DFormat());
        }
        if (conf.getNOut() != in.channels()) {
            throw new Uncovered(where + ": " + conf.getNOut() + " channels after an input of " + in);
        }
        String spread = conf.isUseLogStd() ? BatchNormalizationParamInitializer.GLOBAL_LOG_STD
                : BatchNormalizationParamInitializer.GLOBAL_VAR;
        Map<String, INDArray> grads = LayerTranslator.gradients(layer);
        return new BatchNormOp(in, conf.getDecay(), conf.getEps(), conf.isUseLogStd(),
                NativeFloats.of(layer.getParam(BatchNormalizationParamInitializer.GAMMA)),
                NativeFloats.of(layer.getParam(BatchNormalizationParamInitializer.BETA)),
                NativeFloats.of(layer.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN)),
                NativeFloats.of(layer.getParam(spread)),
                NativeFloats.of(grads.get(BatchNormalizationParamInitializer.GAMMA)),
                NativeFloats.of(grads.get(BatchNormalizationParamInitializer.BETA)),
                NativeFloats.of(grads.get(BatchNormalizationParamInitializer.GLOBAL_MEAN)),
                NativeFloats.of(grads.get(spread)), layout == ImageLayout.NCHW);
    }

    private static EngineLayer prelu(Layer layer, Shape in, String where) throws Uncovered {
        INDArray alpha = layer.getParam(PReLUParamInitializer.WEIGHT_KEY);
        boolean perChannel;
        if (alpha.length() == in.size()) {
            perChannel = false;
        } else if (in.image() && alpha.length() == in.channels() && alpha.size(0) == in.channels()) {
            perChannel = true;
        } else {
            throw new Uncovered(where + ": PReLU slopes of shape " + Arrays.toString(alpha.shape()) + " on " + in);
        }
        if (!perChannel && in.image() && alpha.ordering() != 'c') {
            throw new Uncovered(where + ": PReLU slopes in order " + alpha.ordering());
        }
        return new PReLUOp(in, perChannel, NativeFloats.of(alpha),
                NativeFloats.of(LayerTranslator.gradients(layer).get(PReLUParamInitializer.WEIGHT_KEY)));
    }

    private static void requireImage(Shape in, String where) throws Uncovered {
        if (!in.image()) {
            throw new Uncovered(where + ": an image layer on a vector of " + in);
        }
    }

    private static void requireNoDilation(int[] dilation, String where) throws Uncovered {
        if (dilation[0] != 1 || dilation[1] != 1) {
            throw new Uncovered(where + ": dilation " + Arrays.toString(dilation));
        }
    }
}

package org.sparkddp.worker.engine;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;

/**
 * One batch size's three oneDNN passes of an engine layer (training forward, inference forward, backward), the
 * memory objects they read and write, and the running of each on buffers the engine hands in. The op builds the
 * primitives and their argument maps (over {@link #src}, {@link #dst}, {@link #diffDst}, {@link #diffSrc},
 * {@link #workspace} and its own parameters) and gives them to {@link #passes}. Runs on an executor.
 */
final class DnnlPasses {
    final DnnlResources res;
    /** Floats in one batch's input and output: their descriptors' sizes. */
    final long inCount;
    final long outCount;
    final memory src;
    final memory dst;
    final memory diffDst;
    final memory diffSrc;
    /** What a training pass leaves for the backward one (max pooling's argmax), or null. */
    final memory workspace;
    /** The workspace's size in floats, rounded up (0 without one). */
    final long workspaceFloats;
    private primitive train;
    private primitive infer;
    private primitive back;
    private IntMemoryMap trainArgs;
    private IntMemoryMap inferArgs;
    private IntMemoryMap backArgs;

    /** @param workspace oneDNN's workspace description from the training pass, or null if it has none */
    DnnlPasses(DnnlResources res, memory.desc in, memory.desc out, memory.desc workspace) {
        this.res = res;
        this.inCount = DnnlResources.floats(in);
        this.outCount = DnnlResources.floats(out);
        this.src = res.memory(in);
        this.dst = res.memory(out);
        this.diffDst = res.memory(out);
        this.diffSrc = res.memory(in);
        this.workspace = workspace == null ? null : res.memory(workspace);
        this.workspaceFloats = workspace == null ? 0 : DnnlResources.floats(workspace);
    }

    /** The three primitives and their arguments; called once, by the op that built them. */
    DnnlPasses passes(primitive train, IntMemoryMap trainArgs, primitive infer, IntMemoryMap inferArgs,
                      primitive back, IntMemoryMap backArgs) {
        this.train = train;
        this.trainArgs = trainArgs;
        this.infer = infer;
        this.inferArgs = inferArgs;
        this.back = back;
        this.backArgs = backArgs;
        return this;
    }

    /** Runs the training or inference pass from {@code x} into {@code y}; {@code buffer}: the workspace, or null. */
    void forward(NativeFloats x, NativeFloats y, boolean training, NativeFloats buffer) {
        res.point(src, x, inCount);
        res.point(dst, y, outCount);
        if (training && workspace != null) {
            res.point(workspace, buffer, workspaceFloats);
        }
        DnnlResources.run(training ? train : infer, training ? trainArgs : inferArgs);
    }

    /** Runs the backward pass; {@code buffer}: the workspace its training pass filled, or null. */
    void backward(NativeFloats x, NativeFloats gradOut, NativeFloats gradIn, NativeFloats buffer) {
        res.point(src, x, inCount);
        res.point(diffDst, gradOut, outCount);
        res.point(diffSrc, gradIn, inCount);
        if (workspace != null) {
            res.point(workspace, buffer, workspaceFloats);
        }
        DnnlResources.run(back, backArgs);
    }
}

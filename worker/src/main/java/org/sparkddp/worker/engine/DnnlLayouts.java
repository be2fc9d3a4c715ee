package org.sparkddp.worker.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides, when a network is compiled in the NCHW layout, which image activations stay in oneDNN's blocked layout
 * ({@code nChw16c}) between its image ops, and inserts a {@link DnnlReorder} wherever a blocked activation meets a
 * consumer that reads plain NCHW. Runs on an executor, once per replica, before the first pass.
 *
 * <p>Why: oneDNN's convolutions run on blocked layouts; with plain activations every convolution reordered its
 * output back to NCHW, and the batch norm after it ran on the Java op (oneDNN 2.5's NCHW batch norm is its slow
 * {@code ncsp} kernel). Kept blocked, the convolution writes its output as its kernel produces it, and batch norm and
 * pooling run oneDNN's JIT kernels for blocked layouts.
 *
 * <p>The rule: a convolution's output is blocked where its channels are a multiple of {@link #BLOCK} (so that the
 * blocked batch holds exactly the floats the network's buffers are sized for: no padded channels); a pooling or an
 * image batch norm keeps its input's layout; every other consumer (flatten, a sum, a Java op) reads plain NCHW
 * through a reorder step that this pass inserts after the producer, one per producer. The network's input is plain.
 */
final class DnnlLayouts {
    /** Channels per block of {@code nChw16c}. */
    static final int BLOCK = 16;
    /**
     * {@code -Dsparkddp.engine.onednn-blocked=true} keeps activations blocked between oneDNN's image ops; off by
     * default: its batch norm sums in float, so a ReLU input within rounding of zero can fall the other way than in
     * DL4J, and one equivalence test's gradients then differ in a few elements (docs/BENCHMARKS.md, "Blocked"). Not a setting: a switch for
     * comparing the two (a timing runs both).
     */
    static final String BLOCKED_PROPERTY = "sparkddp.engine.onednn-blocked";

    /** An image op on oneDNN that runs on plain or blocked activations, told which before its first pass. */
    interface Op extends EngineLayer {
        /** Whether its output's layout may differ from its input's (a convolution), or must be the same. */
        boolean convertsLayout();

        void useLayouts(boolean blockedIn, boolean blockedOut);
    }

    private DnnlLayouts() {
    }

    /** The nodes with their layouts set and reorder steps inserted, and the finished ranges renumbered to match. */
    record Result(List<EngineNetwork.Node> nodes, Map<Integer, int[]> finishes) {
    }

    /**
     * Sets the layouts and inserts the reorders. NOTE: a blocked batch norm replaces its Java op in {@code nodes}
     * itself, before anything else can fail: its owner (the compiler, which closes every node of its list when a
     * step fails) then frees the op's native buffers whether this or a later step fails.
     */
    static Result assign(List<EngineNetwork.Node> nodes, Map<Integer, int[]> finishes) {
        if (!"true".equals(System.getProperty(BLOCKED_PROPERTY))) {
            return new Result(nodes, finishes);
        }
        boolean[] blocked = new boolean[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            EngineNetwork.Node node = nodes.get(i);
            boolean inBlocked = node.input() != EngineNetwork.INPUT && blocked[node.input()];
            EngineLayer layer = node.layer();
            if (layer instanceof BatchNormOp bn && bn.nchwImages() && inBlocked) {
                layer = new DnnlBatchNormOp(bn.out(), bn.parameters());
                nodes.set(i, EngineNetwork.Node.layer(layer, node.input()));
            }
            if (layer instanceof Op op) {
                blocked[i] = op.convertsLayout() ? node.out().channels() % BLOCK == 0 : inBlocked;
                op.useLayouts(inBlocked, blocked[i]);
            }
        }
        // every consumer that is not one of those ops reads its blocked input through a reorder after the producer
        boolean[] needsPlain = new boolean[nodes.size()];
        for (EngineNetwork.Node node : nodes) {
            for (int from : new int[] {node.input(), node.other()}) {
                if (from != EngineNetwork.INPUT && blocked[from] && !(node.layer() instanceof Op)) {
                    needsPlain[from] = true;
                }
            }
        }
        List<EngineNetwork.Node> out = new ArrayList<>();
        int[] renumbered = new int[nodes.size()];
        int[] plainOf = new int[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            EngineNetwork.Node node = nodes.get(i);
            boolean readsPlain = !(node.layer() instanceof Op);
            out.add(new EngineNetwork.Node(node.layer(), source(node.input(), readsPlain, blocked, renumbered,
                    plainOf), source(node.other(), readsPlain, blocked, renumbered, plainOf), node.out()));
            renumbered[i] = out.size() - 1;
            if (needsPlain[i]) {
                out.add(EngineNetwork.Node.layer(new DnnlReorder(node.out()), renumbered[i]));
                plainOf[i] = out.size() - 1;
            }
        }
        Map<Integer, int[]> moved = new HashMap<>();
        finishes.forEach((node, range) -> moved.put(renumbered[node], range));
        return new Result(out, moved);
    }

    /** Where a consumer reads old node {@code from}: its reorder step if it needs plain and that is blocked. */
    private static int source(int from, boolean readsPlain, boolean[] blocked, int[] renumbered, int[] plainOf) {
        if (from == EngineNetwork.INPUT) {
            return from;
        }
        return readsPlain && blocked[from] ? plainOf[from] : renumbered[from];
    }
}

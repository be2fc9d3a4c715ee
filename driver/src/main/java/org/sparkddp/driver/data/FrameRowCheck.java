package org.sparkddp.driver.data;

import org.sparkddp.common.data.BadRows;
import org.sparkddp.common.data.ReadOptions;
import org.sparkddp.common.data.RowBlock;
import org.sparkddp.common.data.RowCheck;
import org.sparkddp.common.data.TargetKind;

/**
 * Checks one DataFrame row ({@link RowCheck}), with the text decoder's messages: a null, a NaN or
 * infinite number, a width other than the training set's (or, reading the training set, the block's first row's:
 * the driver then checks that every block agrees), a class label that is no class, or a binary target other than 0
 * or 1, is a bad row. Runs on an
 * executor.
 */
final class FrameRowCheck {
    private final ReadOptions options;
    private final float[] target = new float[1];

    FrameRowCheck(ReadOptions options) {
        this.options = options;
    }

    /** Adds the row to {@code block}, or records it in {@code bad}; {@code row} is its 1-based number. */
    void add(RowBlock.Builder block, BadRows bad, long row, float[] values, Double label) {
        boolean known = options.knownFeatures() > 0;
        Float checked = RowCheck.label(bad, row, values, label, known ? options.knownFeatures() : block.width(),
                known ? "the training set" : "the first row");
        if (checked == null) {
            return;
        }
        float value = checked;
        boolean classes = options.kind() == TargetKind.CLASS_INDEX;
        if (classes && !RowCheck.classLabel(bad, row, value, options.knownClasses(), options.classRange())) {
            return;
        }
        if (options.kind() == TargetKind.BINARY && !RowCheck.binaryLabel(bad, row, value)) {
            return;
        }
        target[0] = value;
        block.addDense(values, values.length, target, classes);
    }
}

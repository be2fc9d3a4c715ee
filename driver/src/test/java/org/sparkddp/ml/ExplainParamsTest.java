package org.sparkddp.ml;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ExplainParamsTest {
    @Test
    void anIntArrayParamIsExplainedByItsElements() {
        SparkDdpClassifier classifier = new SparkDdpClassifier();
        String text = classifier.explainParams();
        assertFalse(text.contains("[I@"), text);
        assertTrue(text.contains("(default: [])"), text);
        classifier.setInputShape(new int[] {1, 28, 28});
        String line = classifier.explainParam(classifier.inputShape());
        assertTrue(line.endsWith("(default: [], current: [1, 28, 28])"), line);
    }
}

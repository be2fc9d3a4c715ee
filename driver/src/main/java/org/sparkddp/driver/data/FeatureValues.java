package org.sparkddp.driver.data;

import org.apache.spark.ml.linalg.Vector;
import scala.collection.Seq;

/**
 * One DataFrame cell of features, a Spark ML {@link Vector} (dense or sparse) or an array of numbers, as floats:
 * how both the command line's DataFrame sources and the Spark ML API read feature rows. Runs wherever the rows
 * are (the driver for training data, the executors for {@code transform}).
 */
public final class FeatureValues {
    private FeatureValues() {
    }

    /** The cell's values, or null if the array holds a null. */
    public static float[] of(Object cell) {
        if (cell instanceof Vector vector) {
            double[] dense = vector.toArray();
            float[] out = new float[dense.length];
            for (int i = 0; i < dense.length; i++) {
                out[i] = (float) dense[i];
            }
            return out;
        }
        @SuppressWarnings("unchecked")
        Seq<Object> seq = (Seq<Object>) cell;
        float[] out = new float[seq.size()];
        for (int i = 0; i < out.length; i++) {
            Object element = seq.apply(i);
            if (element == null) {
                return null;
            }
            out[i] = ((Number) element).floatValue();
        }
        return out;
    }
}

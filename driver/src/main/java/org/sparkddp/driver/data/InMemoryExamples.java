package org.sparkddp.driver.data;

import org.apache.spark.api.java.JavaSparkContext;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.shard.ShardStorage;
import org.sparkddp.common.plan.VirtualShards;

/**
 * Examples the driver has read (a gzipped or small file, or a tabular one, whose normalization needs the whole
 * training set): shards reach the executors as broadcasts.
 */
public record InMemoryExamples(String location, LabeledExamples examples) implements ExampleSource {
    @Override
    public int size() {
        return examples.size();
    }

    @Override
    public int numFeatures() {
        return examples.numFeatures();
    }

    @Override
    public int[] inputShape() {
        return examples.inputShape();
    }

    @Override
    public int targetWidth() {
        return examples.targetWidth();
    }

    @Override
    public ShardedData shards(JavaSparkContext sc, VirtualShards shards, int workers, ShardStorage storage,
                              String name) {
        return ShardedData.forTraining(sc, examples, shards, workers, storage, name);
    }

    @Override
    public ExampleSource subset(int[] rows) {
        return new InMemoryExamples(location, examples.select(rows));
    }

    @Override
    public ShardedData slices(JavaSparkContext sc, int parts, ShardStorage storage, String name) {
        return ShardedData.forEvaluation(sc, examples, parts, storage, name);
    }
}

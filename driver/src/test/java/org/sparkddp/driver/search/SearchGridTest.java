package org.sparkddp.driver.search;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class SearchGridTest {
    @Test
    void numbersAreWrittenInPlainDecimalsAsTheUserWroteThem() {
        SearchGrid grid = SearchGrid.parse("grid.conf", "grid { \"optimizer.learning-rate\" = [0.003, 3e-4, 0.0003],"
                + " \"training.batch-size\" = [64], \"model.output.activation\" = [softmax] }");
        assertEquals(List.of(
                List.of("model.output.activation=softmax", "optimizer.learning-rate=0.003", "training.batch-size=64"),
                List.of("model.output.activation=softmax", "optimizer.learning-rate=0.0003", "training.batch-size=64"),
                List.of("model.output.activation=softmax", "optimizer.learning-rate=0.0003", "training.batch-size=64")),
                grid.trials());
    }
}

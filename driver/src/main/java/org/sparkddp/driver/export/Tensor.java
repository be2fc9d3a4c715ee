package org.sparkddp.driver.export;

/**
 * A tensor of the graph under construction: its name, and its rank (2 for rows of features, 4 for images as
 * batch x channels x height x width), which decides how the next layer reads it.
 */
record Tensor(String name, int rank) {
}

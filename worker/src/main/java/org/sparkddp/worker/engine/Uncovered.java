package org.sparkddp.worker.engine;

/**
 * Thrown while compiling a network for the engine when some part of it is not covered: the network then trains on
 * DL4J's own layers, and the message (which layer, and why) goes to the executor's log in one line.
 */
class Uncovered extends Exception {
    Uncovered(String what) {
        super(what, null, false, false);
    }
}

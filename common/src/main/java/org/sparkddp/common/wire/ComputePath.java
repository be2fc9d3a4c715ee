package org.sparkddp.common.wire;

/**
 * How an executor computed a training stage, as rank 0 reports it to the driver: who ran the layers and which step
 * rule ran, each with the reason where it is not what the config asked for (a fallback). The driver prints it once
 * and writes it into {@code summary.json}, so that a slow run that fell back says so where the user looks.
 *
 * @param layers who computed forward and backward, e.g. {@code the CPU engine}, or {@code DL4J's layers (the CPU
 *               engine does not cover ...)}
 * @param step   the step rule, e.g. {@code sync, sharded optimizer (each of 2 ranks updates 1/2 of the parameters)}
 */
public record ComputePath(String layers, String step) {
    /** What ranks other than 0 report: the driver reads rank 0's. */
    public static final ComputePath UNREPORTED = new ComputePath("", "");

    /** One line for the console: {@code layers: ...; step: ...}. */
    public String describe() {
        return "layers: " + layers + "; step: " + step;
    }
}

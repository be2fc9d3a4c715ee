package org.sparkddp.common.config;

/** An enum constant with the spelling it has in config files (lower case, dash-separated). */
public interface ConfigChoice {
    /** The constant's name, as an enum has it. */
    String name();

    /** How config files spell it: {@code LEAKY_RELU} is {@code leaky-relu}. */
    default String configName() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}

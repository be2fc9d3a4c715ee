package org.sparkddp.common.config;

/** An enum constant with the spelling it has in config files (lower case, dash-separated). */
public interface ConfigChoice {
    String configName();
}

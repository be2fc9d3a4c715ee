package org.sparkddp.bench;

/**
 * One emulated host's network link, the same for every host: its rate (each direction) and its one-way latency.
 * Read by the scaling benchmark on the driver side of the benchmark (the parent JVM).
 *
 * @param gbit      link rate in Gbit/s
 * @param latencyUs one-way latency in microseconds, added by netem; 0 for none
 * @param hosts     emulated hosts, 127.0.0.2 up to 127.0.0.(hosts + 1)
 */
record LinkSpec(double gbit, int latencyUs, int hosts) {
    /** 127.0.0.2 .. 127.0.0.17: enough for 16 ranks on hosts of their own. */
    static final int MAX_HOSTS = 16;

    LinkSpec {
        if (!(gbit > 0) || gbit > 100) {
            throw new IllegalArgumentException("--link-gbit must be in (0, 100] but got " + gbit);
        }
        if (latencyUs < 0 || latencyUs > 100_000) {
            throw new IllegalArgumentException("--latency-us must be in [0, 100000] but got " + latencyUs);
        }
        if (hosts < 1 || hosts > MAX_HOSTS) {
            throw new IllegalArgumentException("hosts must be in [1, " + MAX_HOSTS + "] but got " + hosts);
        }
    }

    /** Seconds to put one byte on the link. */
    double secondsPerByte() {
        return 8 / (gbit * 1e9);
    }

    /** The address of emulated host {@code h} (0-based): never 127.0.0.1, which the machine's own services use. */
    static String address(int h) {
        if (h < 0 || h >= MAX_HOSTS) {
            throw new IllegalArgumentException("emulated host " + h + " is outside [0, " + MAX_HOSTS + ")");
        }
        return "127.0.0." + (h + 2);
    }
}

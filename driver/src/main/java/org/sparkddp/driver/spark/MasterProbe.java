package org.sparkddp.driver.spark;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP connect to a standalone master's host and port before Spark starts. Runs on the driver, once per command.
 *
 * <p>Spark itself would retry the registration three times 20 s apart and then stop the context under the
 * command; a refused or silent port is known in a few seconds. The probe proves only that something listens: a
 * master that refuses the application (a wrong secret) is left to {@link SparkStart}'s bound.
 */
final class MasterProbe {
    /** How long one connect may take; a master on a live network answers in milliseconds. */
    static final int CONNECT_TIMEOUT_MS = 5_000;

    private MasterProbe() {
    }

    /**
     * Returns if any master of {@code master} (spark://host:port, or spark://h1:p1,h2:p2 for standby masters)
     * accepts a connection; else throws with each address and why it failed.
     */
    static void requireReachable(String master) {
        List<String> failures = new ArrayList<>();
        for (String hostPort : master.substring("spark://".length()).split(",")) {
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0) {
                return; // not host:port: Spark reports the URL itself
            }
            String host = hostPort.substring(0, colon);
            int port;
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                return;
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
                return;
            } catch (IOException e) {
                failures.add(hostPort + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            }
        }
        throw new SparkUnavailableException("cannot reach the Spark master " + master + " (" + String.join("; ",
                failures) + "); check that the URL is right and that the master runs");
    }
}

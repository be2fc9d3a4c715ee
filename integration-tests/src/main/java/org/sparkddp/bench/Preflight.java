package org.sparkddp.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the scaling benchmark needs from the machine: root and tc. Checked in its parent JVM before anything runs. */
final class Preflight {
    private Preflight() {
    }

    /** @return one line saying what is missing and how to get it, or null when the benchmark can run */
    static String problem() {
        if (!isRoot()) {
            return "needs root to shape the loopback with tc (run it as root, e.g. sudo deploy/bench scaling)";
        }
        if (!onPath("tc")) {
            return "needs tc, which Debian's iproute2 package provides (apt-get install iproute2)";
        }
        return null;
    }

    private static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Uid:"))
                    .map(l -> l.split("\\s+")[2]).anyMatch("0"::equals); // effective uid
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}

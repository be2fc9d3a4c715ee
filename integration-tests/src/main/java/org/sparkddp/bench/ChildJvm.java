package org.sparkddp.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one contender in a fresh JVM with this JVM's classpath and Java 17 flags, so that each starts cold, as a
 * user's job would, and so that {@code OMP_NUM_THREADS} (read once, when ND4J loads) can differ between them.
 */
final class ChildJvm {
    private ChildJvm() {
    }

    /**
     * @param ompThreads OpenMP threads for ND4J, or null for ND4J's default (every core)
     * @return the child's standard output
     */
    static String run(String mainClass, List<String> args, String ompThreads, Path log)
            throws IOException, InterruptedException {
        ProcessBuilder builder = builder(mainClass, List.of(), args, log);
        if (ompThreads == null) {
            builder.environment().remove("OMP_NUM_THREADS");
        } else {
            builder.environment().put("OMP_NUM_THREADS", ompThreads);
        }
        int code = builder.start().waitFor();
        String output = Files.readString(log, StandardCharsets.UTF_8);
        if (code != 0) {
            List<String> lines = output.lines().toList();
            throw new IllegalStateException(mainClass + " exited with " + code + "; last lines of " + log + ":\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size())));
        }
        return output;
    }

    /**
     * A child JVM, not yet started, for callers that run several at once (the scaling benchmark's ranks).
     *
     * @param jvmFlags extra flags before the main class (system properties, heap size)
     */
    static ProcessBuilder builder(String mainClass, List<String> jvmFlags, List<String> args, Path log) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (flag.startsWith("--add-opens") || flag.startsWith("-XX:+IgnoreUnrecognized")
                    || flag.startsWith("-Djdk.reflect") || flag.startsWith("-Dlog4j2.configurationFile")) {
                command.add(flag);
            }
        }
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    }
}

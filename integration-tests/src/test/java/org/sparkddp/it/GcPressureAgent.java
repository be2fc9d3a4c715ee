package org.sparkddp.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * A Java agent for executor JVMs under test: a daemon thread that allocates 64 KB every 20 microseconds, so that
 * with a small young generation a young GC comes every few milliseconds and lands inside ND4J's native calls,
 * as it does on a busy executor with a small heap, only far more often. Executors get it through
 * {@code spark.executor.extraJavaOptions=-javaagent:JAR}; {@link #jar} writes that jar from this class's bytes.
 */
public final class GcPressureAgent {
    /** Where each allocation goes, so that the JIT cannot drop it. */
    static volatile Object sink;

    private GcPressureAgent() {
    }

    public static void premain(String args) {
        Thread garbage = new Thread(() -> {
            while (true) {
                sink = new byte[64 * 1024];
                LockSupport.parkNanos(20_000);
            }
        }, "gc-pressure");
        garbage.setDaemon(true);
        garbage.start();
    }

    /** Writes the agent's jar (this class and a manifest naming it) into {@code dir}. */
    static Path jar(Path dir) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(new Attributes.Name("Premain-Class"), GcPressureAgent.class.getName());
        Path jar = dir.resolve("gc-pressure-agent.jar");
        String entry = GcPressureAgent.class.getName().replace('.', '/') + ".class";
        try (OutputStream file = Files.newOutputStream(jar);
             JarOutputStream out = new JarOutputStream(file, manifest);
             InputStream bytes = GcPressureAgent.class.getResourceAsStream("/" + entry)) {
            out.putNextEntry(new JarEntry(entry));
            bytes.transferTo(out);
            out.closeEntry();
        }
        return jar;
    }
}

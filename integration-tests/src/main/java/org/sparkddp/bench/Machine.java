package org.sparkddp.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** A one-line description of the machine a benchmark ran on, for the record. */
final class Machine {
    private Machine() {
    }

    static String describe() {
        String cpu = firstValue("/proc/cpuinfo", "model name");
        String memory = firstValue("/proc/meminfo", "MemTotal");
        long kb = memory.isEmpty() ? 0 : Long.parseLong(memory.replaceAll("[^0-9]", ""));
        return String.format(Locale.ROOT, "Machine: %s, %d cores, %.0f GiB memory; Java %s (%s); %s %s.",
                cpu.isEmpty() ? "unknown CPU" : cpu, Runtime.getRuntime().availableProcessors(), kb / 1024.0 / 1024.0,
                System.getProperty("java.version"), System.getProperty("java.vm.name"), System.getProperty("os.name"),
                System.getProperty("os.arch"));
    }

    private static String firstValue(String file, String key) {
        try {
            return Files.readAllLines(Path.of(file)).stream().filter(l -> l.startsWith(key))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("");
        } catch (IOException e) {
            return "";
        }
    }
}

package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example commands of the README and docs/COMMANDS.md, run as written, one after another as a user runs them
 * after {@code deploy/quickstart}: each ends with exit 0, or with the one-line error and exit status its page
 * documents.
 *
 * <p>Each page runs in a directory of its own that looks like a clone after the quickstart: {@code deploy/} and
 * {@code data/} are the repository's, {@code driver/} is its build, and {@code conf/} is a copy whose Fashion-MNIST
 * paths name the committed subset, as do those of the build's built-in default job (which {@code search} reads), so
 * that the commands run as written without the dataset package and in minutes.
 * The quickstart's own run is cut to 2 epochs. Commands that need a cluster ({@code deploy/submit}, the cluster
 * recipes) and the two README commands themselves ({@code deploy/quickstart}, {@code deploy/test}) are left out:
 * the cluster tests and CI run those.
 *
 * <p>Every command found must have an expected outcome below, and every expected outcome a command: an example added
 * to (or changed in) a page fails this test until its outcome is stated here.
 *
 * <p>NOTE: the quickstart runs once, and the second page's directory is a copy of the first's made before any example
 * ran. A command written the same way on both pages (evaluate, predict, export, report) then reads the same files in
 * either directory, so it runs once and its run is checked against each page's outcome: each run starts a JVM and
 * Spark, which is the suite's time this saves. A command whose input an example writes ({@code grid.conf} for search)
 * runs again.
 */
@Tag("slow")
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class DocExamplesTest {
    /** What a command must end with: its exit status and, for an error, a part of its one stderr line. */
    record Outcome(int status, String errorPart) {
        static final Outcome OK = new Outcome(0, null);
    }

    private static final String PREDICT = "deploy/spark-ddp predict --model output/fashion-mnist-mlp/model.zip"
            + " --input hdfs:///scoring/in --output hdfs:///scoring/out";

    private static final String EXPORT = "deploy/spark-ddp export --model output/fashion-mnist-mlp/model.zip"
            + " --output output/fashion-mnist-mlp/model.onnx";

    /** Every example's documented outcome, by the command as written (its trailing comment left out). */
    private static final Map<String, Outcome> README = Map.of(
            "deploy/spark-ddp train --config conf/moons-binary-csv.conf --set training.epochs=10", Outcome.OK,
            "deploy/spark-ddp evaluate --model output/fashion-mnist-mlp/model.zip", Outcome.OK,
            // No namenode is named (hdfs:/// takes fs.defaultFS, local here): documented as one line, exit 2.
            PREDICT, new Outcome(2, "hdfs:///scoring/"),
            EXPORT, Outcome.OK,
            "echo 'grid { \"optimizer.learning-rate\" = [0.003, 0.001, 0.0003] }' > grid.conf", Outcome.OK,
            "deploy/spark-ddp search --grid grid.conf --set training.epochs=3", Outcome.OK,
            "deploy/spark-ddp report output/fashion-mnist-mlp", Outcome.OK);

    private static final Map<String, Outcome> COMMANDS = Map.of(
            "deploy/spark-ddp train --config my-job.conf --set training.epochs=3 --set optimizer.learning-rate=0.0005",
            Outcome.OK,
            "deploy/spark-ddp evaluate --model output/fashion-mnist-mlp/model.zip", Outcome.OK,
            PREDICT, new Outcome(2, "hdfs:///scoring/"),
            EXPORT, Outcome.OK,
            "cat > grid.conf <<'GRID'", Outcome.OK,
            "deploy/spark-ddp search --grid grid.conf --set training.epochs=3", Outcome.OK,
            "deploy/spark-ddp report output/fashion-mnist-mlp", Outcome.OK);

    /** A shell redirection that writes a file: {@code > grid.conf}. */
    private static final Pattern WRITES = Pattern.compile(">\\s*([\\w./-]+)");

    private static final Pattern HEREDOC = Pattern.compile("<<-?'?\"?(\\w+)'?\"?");

    @TempDir
    Path dir;

    @Test
    void everyExampleCommandEndsAsItsPageSays() throws Exception {
        Map<String, List<String>> pages = new LinkedHashMap<>();
        for (String page : List.of("README.md", "docs/COMMANDS.md")) {
            Map<String, Outcome> expected = page.equals("README.md") ? README : COMMANDS;
            List<String> commands = commands(Files.readString(TestData.REPO.resolve(page), StandardCharsets.UTF_8));
            List<String> found = commands.stream().map(DocExamplesTest::key).distinct().toList();
            assertEquals(new java.util.TreeSet<>(expected.keySet()), new java.util.TreeSet<>(found),
                    page + ": the examples found and the outcomes stated here differ");
            pages.put(page, commands);
        }

        Path first = cloneAfterQuickstart();
        Path second = copy(first, dir.resolve("clone-2"));
        Map<String, Run> ran = new HashMap<>(); // by the command's whole text
        for (Map.Entry<String, List<String>> entry : pages.entrySet()) {
            String page = entry.getKey();
            Path clone = page.equals("README.md") ? first : second;
            Map<String, Outcome> expected = page.equals("README.md") ? README : COMMANDS;
            for (String command : entry.getValue()) {
                Outcome outcome = expected.get(key(command));
                Run run = runOnce(clone, command, ran);
                check(page, command, outcome, run);
            }
        }
    }

    /**
     * The run of {@code command}, from {@code ran} if the same text ran before; a command that writes a file
     * ({@code > FILE}) always runs, and drops the earlier runs of the commands that name that file.
     */
    private static Run runOnce(Path clone, String command, Map<String, Run> ran) throws IOException,
            InterruptedException {
        Matcher writes = WRITES.matcher(command.lines().findFirst().orElse(""));
        if (writes.find()) {
            String file = writes.group(1);
            ran.keySet().removeIf(earlier -> earlier.contains(file));
            return run(clone, command);
        }
        Run run = ran.get(command);
        if (run == null) {
            run = run(clone, command);
            ran.put(command, run);
        }
        return run;
    }

    private static void check(String page, String command, Outcome outcome, Run run) {
        String context = page + ": `" + key(command) + "` exited " + run.status + "\nstdout:\n" + run.stdout
                + "\nstderr:\n" + run.stderr;
        assertEquals(outcome.status(), run.status, context);
        if (outcome.status() != 0) {
            List<String> lines = run.stderr.lines().filter(l -> !l.isBlank()).toList();
            assertEquals(1, lines.size(), "not one line on stderr: " + context);
            assertTrue(lines.get(0).startsWith("spark-ddp: error: ") && lines.get(0).contains(outcome.errorPart()),
                    context);
        }
    }

    /** The commands of a page's bash blocks, each a line or a heredoc with its body; cluster blocks left out. */
    static List<String> commands(String page) {
        List<String> commands = new ArrayList<>();
        List<String> block = null;
        for (String line : page.lines().toList()) {
            if (block == null) {
                if (line.equals("```bash")) {
                    block = new ArrayList<>();
                }
            } else if (line.equals("```")) {
                if (block.stream().noneMatch(l -> l.contains("deploy/submit") || l.contains("deploy/local-cluster")
                        || l.startsWith("deploy/quickstart") || l.startsWith("deploy/test"))) {
                    commands.addAll(split(block));
                }
                block = null;
            } else {
                block.add(line);
            }
        }
        return commands;
    }

    private static List<String> split(List<String> block) {
        List<String> commands = new ArrayList<>();
        for (int i = 0; i < block.size(); i++) {
            String line = block.get(i);
            if (line.isBlank() || line.trim().startsWith("#")) {
                continue;
            }
            Matcher heredoc = HEREDOC.matcher(line);
            StringBuilder command = new StringBuilder(line);
            if (heredoc.find()) {
                String end = heredoc.group(1);
                while (++i < block.size()) {
                    command.append('\n').append(block.get(i));
                    if (block.get(i).equals(end)) {
                        break;
                    }
                }
            }
            commands.add(command.toString());
        }
        return commands;
    }

    /** A command's first line without its trailing comment and extra spaces: how the outcomes above name it. */
    private static String key(String command) {
        String first = command.lines().findFirst().orElse("");
        int comment = first.indexOf("  #");
        return (comment < 0 ? first : first.substring(0, comment)).trim().replaceAll(" +", " ");
    }

    /** A directory laid out as a clone after deploy/quickstart, with the subset in place of the dataset package. */
    private Path cloneAfterQuickstart() throws IOException, InterruptedException {
        Path clone = dir.resolve("clone");
        Files.createDirectories(clone.resolve("conf"));
        for (String shared : List.of("deploy", "data")) {
            Files.createSymbolicLink(clone.resolve(shared), TestData.REPO.resolve(shared));
        }
        String subset = TestData.TRAIN.getParent().toString();
        builtInDefaultOnTheSubset(clone, subset);
        try (Stream<Path> files = Files.list(TestData.REPO.resolve("conf"))) {
            for (Path file : files.toList()) {
                Files.writeString(clone.resolve("conf").resolve(file.getFileName()), Files.readString(file,
                        StandardCharsets.UTF_8).replace("/usr/share/datasets/fashion-mnist", subset),
                        StandardCharsets.UTF_8);
            }
        }
        // "my-job.conf" in COMMANDS.md is the user's own job: here, the default job writing to a directory of its own.
        Files.writeString(clone.resolve("my-job.conf"), Files.readString(clone.resolve("conf/fashion-mnist-mlp.conf"),
                StandardCharsets.UTF_8).replace("output/fashion-mnist-mlp", "output/my-job"), StandardCharsets.UTF_8);
        Run quickstart = run(clone, "deploy/spark-ddp train --set training.epochs=2");
        assertEquals(0, quickstart.status, "the quickstart's run failed:\n" + quickstart.stdout + quickstart.stderr);
        assertTrue(Files.isRegularFile(clone.resolve("output/fashion-mnist-mlp/model.zip")), quickstart.stdout);
        return clone;
    }

    /**
     * The clone's driver/ is the build, less its built-in default job, which names the subset here: deploy/spark-ddp
     * puts driver/target/classes first on the classpath, so the clone's holds only that file, and its classpath file
     * starts with the build's classes.
     */
    private static void builtInDefaultOnTheSubset(Path clone, String subset) throws IOException {
        Path build = TestData.REPO.resolve("driver/target");
        Path target = clone.resolve("driver/target");
        String job = "org/sparkddp/driver/conf/fashion-mnist-mlp.conf";
        Path copy = target.resolve("classes").resolve(job);
        Files.createDirectories(copy.getParent());
        Files.writeString(copy, Files.readString(build.resolve("classes").resolve(job), StandardCharsets.UTF_8)
                .replace("/usr/share/datasets/fashion-mnist", subset), StandardCharsets.UTF_8);
        Files.writeString(target.resolve("classpath.txt"), build.resolve("classes") + java.io.File.pathSeparator
                + Files.readString(build.resolve("classpath.txt"), StandardCharsets.UTF_8).strip(),
                StandardCharsets.UTF_8);
    }

    /** A copy of a clone: its files copied, its links (deploy/, data/) made again. */
    private static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path f : (Iterable<Path>) all::iterator) {
                Files.copy(f, to.resolve(from.relativize(f).toString()), java.nio.file.LinkOption.NOFOLLOW_LINKS);
            }
        }
        return to;
    }

    private record Run(int status, String stdout, String stderr) {
    }

    private static Run run(Path clone, String command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(clone, "example", ".stdout");
        Path err = Files.createTempFile(clone, "example", ".stderr");
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", command).directory(clone.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        // Every example is a small job on the subset: its JVM runs with the client compiler (TestData).
        builder.environment().put("SPARK_DDP_JAVA_OPTS", TestData.SHORT_JVM_OPTIONS);
        Process process = builder.start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new AssertionError("`" + key(command) + "` did not end within 5 minutes");
        }
        try {
            return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.delete(out);
            Files.delete(err);
        }
    }
}

package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every script in deploy/, and each of its subcommands, answers --help (and -h) with its usage on stdout and exit
 * status 0, without starting anything; a real usage error is one line on stderr and exit status 2.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DeployHelpTest {
    @TempDir
    Path dir;

    record Run(int code, String stdout, String stderr) {
    }

    /** A script and its arguments before --help; the text its usage must contain. */
    static Stream<List<String>> helps() {
        return Stream.of(
                List.of("spark-ddp", "usage: spark-ddp train"),
                List.of("spark-ddp train", "usage: spark-ddp train"),
                List.of("spark-ddp report", "usage: spark-ddp report OUTPUT_DIR"),
                List.of("spark-ddp predict", "--output DIR      the directory predict writes"),
                List.of("spark-ddp export", "usage: spark-ddp export --model FILE --output FILE"),
                List.of("submit", "deploy/submit standalone --master spark://HOST:7077"),
                List.of("submit standalone", "deploy/submit standalone --master spark://HOST:7077"),
                List.of("submit yarn --workers 3", "deploy/submit yarn"),
                List.of("submit k8s", "--image IMAGE"),
                List.of("local-cluster", "deploy/local-cluster start [--workers N]"),
                List.of("local-cluster start", "deploy/local-cluster start [--workers N]"),
                List.of("local-cluster submit --driver-memory 1g", "deploy/local-cluster submit"),
                List.of("local-cluster add-worker", "deploy/local-cluster add-worker"),
                List.of("local-cluster status", "deploy/local-cluster status"),
                List.of("local-cluster stop", "deploy/local-cluster stop"),
                List.of("quickstart", "Extra arguments go to `spark-ddp train`"),
                List.of("test", "deploy/test --quick"),
                List.of("bench", "deploy/bench [--quick]"),
                List.of("bench data", "deploy/bench data [--rows N]"),
                List.of("bench scaling", "deploy/bench scaling"),
                List.of("large-model", "deploy/bench large-model [--dir DIR]"),
                List.of("bench large-model", "deploy/bench large-model [--dir DIR]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("helps")
    void helpPrintsTheUsageOnStdoutAndExitsZero(List<String> c) throws Exception {
        for (String flag : List.of("--help", "-h")) {
            List<String> args = new ArrayList<>(List.of(c.get(0).split(" ")));
            args.add(flag);
            Run r = run(args);
            assertEquals(0, r.code(), args + ": " + r.stderr());
            assertTrue(r.stdout().contains(c.get(1)), args + " printed:\n" + r.stdout());
            assertEquals("", r.stderr(), args.toString());
        }
    }

    static Stream<List<String>> errors() {
        return Stream.of(
                List.of("spark-ddp report", "spark-ddp: error: report needs one argument"),
                List.of("spark-ddp help fit", "spark-ddp: error: help takes one command"),
                List.of("spark-ddp evaluate --model a.zip --model b.zip", "spark-ddp: error: --model given twice"),
                List.of("spark-ddp train --confg job.conf", "spark-ddp: error: unknown argument '--confg': did you mean"
                        + " --config?"),
                List.of("spark-ddp export --model model.zip",
                        "spark-ddp: error: export needs --model FILE --output FILE"),
                List.of("submit", "submit: expected standalone, yarn or k8s"),
                List.of("submit mesos", "submit: expected standalone, yarn or k8s, then [options] [--] [COMMAND ARGS]"
                        + " but got 'mesos'"),
                List.of("local-cluster", "local-cluster: expected a command"),
                List.of("local-cluster restart", "local-cluster: unknown command 'restart'"),
                List.of("local-cluster stop now", "local-cluster: stop takes no arguments but got 'now'"),
                List.of("local-cluster start --nodes 2", "local-cluster: unknown start option '--nodes'"),
                List.of("test --fast", "deploy/test: unknown option '--fast'"),
                List.of("large-model --size 3", "bench large-model: unknown argument --size"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void aUsageErrorIsOneLineAndExitTwo(List<String> c) throws Exception {
        Run r = run(List.of(c.get(0).split(" ")));
        assertEquals(2, r.code(), c.get(0) + ": " + r.stderr());
        List<String> lines = r.stderr().lines().toList();
        assertEquals(1, lines.size(), "expected one line but got:\n" + r.stderr());
        assertTrue(lines.get(0).startsWith(c.get(1)), lines.get(0));
        assertEquals("", r.stdout());
    }

    /**
     * Runs deploy/SCRIPT ARGS with its state under the temporary directory (no cluster is running there, and
     * none is started).
     */
    private Run run(List<String> scriptAndArgs) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(scriptAndArgs);
        command.set(0, TestData.REPO.resolve("deploy").resolve(command.get(0)).toString());
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile());
        builder.environment().put("SPARK_DDP_CLUSTER_DIR", dir.resolve("cluster").toString());
        // The spark-ddp JVMs here only parse a command line and print: the client compiler only (TestData).
        builder.environment().put("SPARK_DDP_JAVA_OPTS", TestData.SHORT_JVM_OPTIONS);
        Process p = builder.start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), command + " did not finish");
        return new Run(p.exitValue(), Files.readString(dir.resolve("out"), StandardCharsets.UTF_8),
                Files.readString(dir.resolve("err"), StandardCharsets.UTF_8));
    }
}

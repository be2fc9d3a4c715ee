package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.deploy.SparkSubmitArguments;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import scala.collection.JavaConverters;

/**
 * The cluster launch recipes, checked as far as a machine without YARN or Kubernetes allows: each command line
 * deploy/submit generates is parsed and validated by spark-submit's own argument parser (SparkSubmitArguments),
 * and what Spark understood is checked against what the trainer needs. The standalone recipe is also run for real
 * by ClusterTest (deploy/local-cluster).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DeployRecipesTest {
    private static final String[] OPENS = {"--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
        "-Djdk.reflect.useDirectMethodHandle=false"};

    @TempDir
    Path dir;

    /** deploy/submit ... --dry-run: its arguments, one per line; the first is spark-submit itself. */
    private List<String> recipe(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(TestData.REPO.resolve("deploy/submit").toString()));
        command.addAll(List.of(args));
        command.add(2, "--dry-run"); // after the target: the options end at "--" or at the command word
        Process p = new ProcessBuilder(command).redirectError(dir.resolve("err").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(1, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("err")));
        return out.lines().toList();
    }

    /** What spark-submit makes of the arguments (it validates them as it parses). */
    private static SparkSubmitArguments parse(List<String> recipe, String... env) {
        Map<String, String> vars = new HashMap<>();
        for (int i = 0; i < env.length; i += 2) {
            vars.put(env[i], env[i + 1]);
        }
        return new SparkSubmitArguments(JavaConverters.asScalaBuffer(recipe.subList(1, recipe.size())).toList(),
                JavaConverters.mapAsScalaMap(vars).toMap(scala.Predef.$conforms()));
    }

    /**
     * The settings every recipe must give Spark, whatever the cluster manager.
     *
     * @param offheap the --offheap given, e.g. "2g"; null for the default, auto, where the driver sizes ND4J's
     *                limit and the container overhead from the model (ExecutorMemory), so the recipe sets neither
     */
    private static void assertTrainerSettings(SparkSubmitArguments a, String workers, String offheap) {
        Map<String, String> conf = JavaConverters.mapAsJavaMap(a.sparkProperties());
        assertEquals("org.sparkddp.driver.Main", a.mainClass());
        assertEquals("1", a.executorCores(), "one task per executor core");
        assertEquals("1", conf.get("spark.task.cpus"));
        assertEquals("1", conf.get("spark.executorEnv.OMP_NUM_THREADS"));
        assertEquals("org.apache.spark.serializer.KryoSerializer", conf.get("spark.serializer"));
        assertEquals("org.sparkddp.common.wire.WireKryoRegistrator", conf.get("spark.kryo.registrator"));
        assertEquals("false", conf.get("spark.dynamicAllocation.enabled"));
        for (String side : List.of("spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions")) {
            for (String flag : OPENS) {
                assertTrue(conf.get(side).contains(flag), side + " lacks " + flag);
            }
            if (offheap == null) {
                assertFalse(conf.get(side).contains("org.bytedeco.javacpp.maxbytes"), side);
            } else {
                assertTrue(conf.get(side).contains("-Dorg.bytedeco.javacpp.maxbytes=" + offheap), side);
            }
        }
        if (offheap == null) {
            assertFalse(conf.containsKey("spark.executor.memoryOverhead"), "sized by the driver from the model");
        } else {
            assertEquals("3072m", conf.get("spark.executor.memoryOverhead"), "off-heap 2g + 1g for the JVM");
        }
        List<String> app = JavaConverters.seqAsJavaList(a.childArgs());
        assertEquals(List.of("train", "--set", "training.workers=" + workers), app.subList(0, 3));
    }

    @Test
    void yarnClusterMode() throws Exception {
        List<String> recipe = recipe("yarn", "--workers", "4", "--offheap", "2g", "--", "train", "--config",
                "hdfs:///jobs/cnn.conf");
        SparkSubmitArguments a = parse(recipe, "HADOOP_CONF_DIR", dir.toString());
        assertEquals("yarn", a.master());
        assertEquals("cluster", a.deployMode());
        assertEquals("4", a.numExecutors());
        assertEquals("1", JavaConverters.mapAsJavaMap(a.sparkProperties()).get("spark.yarn.appMasterEnv.OMP_NUM_THREADS"));
        assertTrainerSettings(a, "4", "2g");
        assertTrue(a.primaryResource().endsWith("driver/target/spark-ddp-driver-0.1.0-SNAPSHOT-app.jar"));
        assertEquals(List.of("--config", "hdfs:///jobs/cnn.conf"), JavaConverters.seqAsJavaList(a.childArgs()).subList(3, 5));
    }

    @Test
    void everyCommandGoesWithSparkSubmitOptionsBeforeItsWord() throws Exception {
        // No "--": the command word ends the options; spark-submit's own options are passed on.
        List<String> recipe = recipe("standalone", "--master", "spark://m:7077", "--driver-memory", "3g", "--conf",
                "spark.ui.enabled=false", "--verbose", "predict", "--model", "m.zip", "--input", "in", "--output", "out");
        SparkSubmitArguments a = parse(recipe);
        assertEquals("3g", a.driverMemory());
        assertEquals("false", JavaConverters.mapAsJavaMap(a.sparkProperties()).get("spark.ui.enabled"));
        assertTrue(a.verbose());
        assertEquals(List.of("predict", "--set", "training.workers=2", "--model", "m.zip", "--input", "in",
                "--output", "out"), JavaConverters.seqAsJavaList(a.childArgs()));
        for (String command : List.of("evaluate", "search")) {
            assertEquals(List.of(command, "--set", "training.workers=2", "--config", "job.conf"), JavaConverters
                    .seqAsJavaList(parse(recipe("standalone", "--master", "spark://m:7077", command, "--config",
                            "job.conf")).childArgs()));
        }
        // report takes no config, so no --set.
        assertEquals(List.of("report", "hdfs:///runs/x"), JavaConverters.seqAsJavaList(parse(recipe("standalone",
                "--master", "spark://m:7077", "--", "report", "hdfs:///runs/x")).childArgs()));

        Process p = new ProcessBuilder(TestData.REPO.resolve("deploy/submit").toString(), "standalone", "--master",
                "spark://m:7077", "--dry-run", "evalute").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, p.waitFor());
        assertEquals(List.of("submit: 'evalute' is not a spark-ddp command: expected [options] then train, evaluate,"
                + " search, predict or report"), out.lines().toList());
    }

    @Test
    void kubernetesClusterModeRunsTheJarTheDockerfileInstalls() throws Exception {
        List<String> recipe = recipe("k8s", "--master", "k8s://https://k8s.example:6443", "--image",
                "registry.example/spark-ddp:0.1.0", "--workers", "8", "--gpu");
        SparkSubmitArguments a = parse(recipe);
        Map<String, String> conf = JavaConverters.mapAsJavaMap(a.sparkProperties());
        assertEquals("k8s://https://k8s.example:6443", a.master());
        assertEquals("cluster", a.deployMode());
        assertEquals("8", conf.get("spark.executor.instances"));
        assertEquals("registry.example/spark-ddp:0.1.0", conf.get("spark.kubernetes.container.image"));
        assertEquals("1", conf.get("spark.kubernetes.driverEnv.OMP_NUM_THREADS"));
        assertEquals("1", conf.get("spark.executor.resource.gpu.amount"));
        assertEquals("1", conf.get("spark.task.resource.gpu.amount"));
        assertTrainerSettings(a, "8", null);

        // The image holds the jar and the discovery script exactly where the command line says.
        List<String> dockerfile = Files.readAllLines(TestData.REPO.resolve("deploy/k8s/Dockerfile"));
        String jar = a.primaryResource().substring("local://".length());
        assertTrue(dockerfile.contains("COPY driver/target/spark-ddp-driver-0.1.0-SNAPSHOT-app.jar " + jar), jar);
        assertTrue(dockerfile.contains("COPY deploy/gpu/find-gpus.sh "
                + conf.get("spark.executor.resource.gpu.discoveryScript")));
        // ...and what it copies is what the build makes.
        assertTrue(Files.exists(TestData.REPO.resolve("driver/target/spark-ddp-driver-0.1.0-SNAPSHOT-app.jar")));
        assertTrue(Files.isExecutable(TestData.REPO.resolve("deploy/gpu/find-gpus.sh")));
    }

    @Test
    void standaloneClientMode() throws Exception {
        SparkSubmitArguments a = parse(recipe("standalone", "--master", "spark://master.example:7077", "--workers",
                "3"));
        assertEquals("spark://master.example:7077", a.master());
        assertEquals("client", a.deployMode());
        assertEquals("3", a.totalExecutorCores());
        assertTrainerSettings(a, "3", null);
        assertTrainerSettings(parse(recipe("standalone", "--master", "spark://master.example:7077", "--workers", "3",
                "--offheap", "2g")), "3", "2g");
    }

    @Test
    void theExampleSparkDefaultsCarryTheSameSettings() throws IOException {
        Map<String, String> example = new HashMap<>();
        for (String line : Files.readAllLines(TestData.REPO.resolve("conf/spark-defaults.conf.example"))) {
            String[] kv = line.strip().split("\\s+", 2);
            if (kv.length == 2 && !kv[0].startsWith("#")) {
                example.put(kv[0], kv[1]);
            }
        }
        for (String key : List.of("spark.task.cpus", "spark.executor.cores", "spark.executorEnv.OMP_NUM_THREADS",
                "spark.serializer", "spark.kryo.registrator", "spark.dynamicAllocation.enabled",
                "spark.executor.memoryOverhead")) {
            assertTrue(example.containsKey(key), "conf/spark-defaults.conf.example lacks " + key);
        }
        for (String side : List.of("spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions")) {
            for (String flag : OPENS) {
                assertTrue(example.get(side).contains(flag), side + " lacks " + flag);
            }
            assertTrue(example.get(side).contains("-Dorg.bytedeco.javacpp.maxbytes="), side);
        }
    }

    @Test
    void aMissingMasterIsOneLine() throws Exception {
        Process p = new ProcessBuilder(TestData.REPO.resolve("deploy/submit").toString(), "k8s", "--image", "x",
                "--dry-run").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, p.waitFor());
        assertEquals(List.of("submit: k8s: --master k8s://https://HOST:PORT is required"), out.lines().toList());
    }
}

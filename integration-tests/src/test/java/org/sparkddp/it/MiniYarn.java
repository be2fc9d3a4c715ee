package org.sparkddp.it;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.exceptions.YarnException;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

/**
 * A real YARN inside this JVM, for the YARN test: Hadoop's own {@link MiniYARNCluster}, a resource manager and one
 * node manager that launches containers as child processes of this JVM, on loopback. Its client configuration is
 * written to a directory for spark-submit ({@code HADOOP_CONF_DIR}), as a cluster's gateway machine has it.
 */
final class MiniYarn implements AutoCloseable {
    /** What the node manager offers: bookkeeping only (memory is not enforced, see below), room for a run. */
    private static final int NODE_MB = 8192;
    private static final int NODE_VCORES = 4;

    private final MiniYARNCluster cluster;
    private final Path confDir;

    private MiniYarn(MiniYARNCluster cluster, Path confDir) {
        this.cluster = cluster;
        this.confDir = confDir;
    }

    /**
     * Starts the cluster, with {@code defaultFs} (the test's HDFS) as the file system that applications stage their
     * files on, and writes its client configuration to {@code confDir}.
     */
    static MiniYarn start(Path confDir, String defaultFs) throws IOException, InterruptedException, YarnException {
        YarnConfiguration conf = new YarnConfiguration();
        conf.set("fs.defaultFS", defaultFs);
        // Loopback only: the daemons listen on 127.0.0.1 whatever name they advertise.
        conf.set(YarnConfiguration.RM_BIND_HOST, "127.0.0.1");
        conf.set(YarnConfiguration.NM_BIND_HOST, "127.0.0.1");
        // MiniYARNCluster sizes its node managers from its own key (default 4 GB), not the node manager's.
        conf.setInt(YarnConfiguration.YARN_MINICLUSTER_NM_PMEM_MB, NODE_MB);
        conf.setInt(YarnConfiguration.NM_VCORES, NODE_VCORES);
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 256);
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, NODE_MB);
        // The containers' memory is accounting here, not a limit: the machine is shared, and a JVM's virtual size
        // (thread stacks, ND4J's arenas) says nothing of what it uses.
        conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
        conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        // A full disk on the test machine would otherwise mark the only node unhealthy, and nothing would run.
        conf.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 100.0f);
        // The shaded minicluster has no capacity-scheduler.xml: one queue, all of the cluster.
        conf.set("yarn.scheduler.capacity.root.queues", "default");
        conf.setInt("yarn.scheduler.capacity.root.default.capacity", 100);
        conf.setInt("yarn.scheduler.capacity.root.default.maximum-capacity", 100);
        conf.setFloat("yarn.scheduler.capacity.root.default.user-limit-factor", 1);
        conf.set("yarn.scheduler.capacity.root.default.state", "RUNNING");
        conf.set("yarn.scheduler.capacity.root.default.acl_submit_applications", "*");
        conf.set("yarn.scheduler.capacity.root.default.acl_administer_queue", "*");
        conf.setInt("yarn.scheduler.capacity.node-locality-delay", -1);
        // Room for the client-mode application master, the driver's in cluster mode and the executors.
        conf.setFloat("yarn.scheduler.capacity.maximum-am-resource-percent", 0.5f);
        // The scheduler places containers when the node manager heartbeats: every 200 ms here rather than every
        // second, a wait of wall time only, met at each container an application asks for (a replacement too).
        conf.setLong(YarnConfiguration.RM_NM_HEARTBEAT_INTERVAL_MS, 200);
        // The container monitor walks every process in /proc every 3 s to measure the containers; with the memory
        // checks off above, nothing reads what it measures.
        conf.setBoolean(YarnConfiguration.NM_CONTAINER_MONITOR_ENABLED, false);

        // Its work directory (local dirs, container logs) is target/YarnTest under the working directory.
        MiniYARNCluster cluster = new MiniYARNCluster(YarnTest.class.getSimpleName(), 1, 1, 1);
        cluster.init(conf);
        cluster.start();
        MiniYarn yarn = new MiniYarn(cluster, confDir);
        try {
            // Without a registered node manager YARN places no container, and an application waits for ever.
            if (!cluster.waitForNodeManagersToConnect(TimeUnit.SECONDS.toMillis(30))) {
                throw new IllegalStateException("the YARN node manager did not register with the resource manager"
                        + " within 30 s");
            }
            yarn.awaitResourceManagerAddress();
            yarn.writeClientConf(defaultFs);
        } catch (IOException | InterruptedException | YarnException | RuntimeException e) {
            yarn.close();
            throw e;
        }
        return yarn;
    }

    /**
     * MiniYARNCluster's start can return before the resource manager has put the port it bound into the
     * configuration (the address still says port 0), so a client written now could not find it.
     */
    private void awaitResourceManagerAddress() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (rmAddress().endsWith(":0")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the YARN resource manager had no port after 30 s: " + rmAddress());
            }
            Thread.sleep(100);
        }
    }

    String rmAddress() {
        return cluster.getConfig().get(YarnConfiguration.RM_ADDRESS);
    }

    /** The whole running configuration as yarn-site.xml, and the file system and replication as core-site.xml. */
    private void writeClientConf(String defaultFs) throws IOException {
        Files.createDirectories(confDir);
        try (OutputStream out = Files.newOutputStream(confDir.resolve("yarn-site.xml"))) {
            cluster.getConfig().writeXml(out);
        }
        Configuration core = new Configuration(false);
        core.set("fs.defaultFS", defaultFs);
        // Two datanodes: one copy of each staged file is enough for a test, and half the disk and the time.
        core.setInt("dfs.replication", 1);
        try (OutputStream out = Files.newOutputStream(confDir.resolve("core-site.xml"))) {
            core.writeXml(out);
        }
    }

    /** The directory spark-submit reads the cluster's client configuration from. */
    Path confDir() {
        return confDir;
    }

    /** The node manager's container log directories: each container's stdout and stderr are under them. */
    List<Path> containerLogDirs() {
        List<Path> dirs = new ArrayList<>();
        for (String d : cluster.getNodeManager(0).getConfig().getTrimmedStrings(YarnConfiguration.NM_LOG_DIRS)) {
            dirs.add(Path.of(d.replaceFirst("^file:", "")));
        }
        return dirs;
    }

    @Override
    public void close() {
        cluster.stop();
    }
}

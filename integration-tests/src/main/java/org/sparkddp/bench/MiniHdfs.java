package org.sparkddp.bench;

import java.io.IOException;
import java.net.URI;
import java.security.PrivilegedExceptionAction;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.security.UserGroupInformation;

/**
 * A real HDFS inside this JVM, for the HDFS tests and the HDFS read benchmark: a namenode and two datanodes from
 * Hadoop's own {@link MiniDFSCluster}, with permissions on and a small block size, so that even the committed
 * subset spans several blocks on both datanodes and a reader has to cross block boundaries.
 */
public final class MiniHdfs implements AutoCloseable {

    private final MiniDFSCluster cluster;

    private MiniHdfs(MiniDFSCluster cluster) {
        this.cluster = cluster;
    }

    /** @param blockSize bytes per HDFS block, a multiple of 512 */
    public static MiniHdfs start(java.nio.file.Path baseDir, long blockSize) throws IOException {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, baseDir.toAbsolutePath().toString());
        conf.setLong("dfs.blocksize", blockSize);
        conf.setLong("dfs.namenode.fs-limits.min-block-size", 4096);
        conf.setBoolean("dfs.permissions.enabled", true);
        // The namenode's and datanodes' metrics loggers need commons-logging's log4j 1 bridge, which Spark's
        // classpath lacks (the node's thread would die and the cluster never come up); nothing here reads them.
        conf.setInt("dfs.namenode.metrics.logger.period.seconds", 0);
        conf.setInt("dfs.datanode.metrics.logger.period.seconds", 0);
        MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(2).build();
        cluster.waitActive();
        return new MiniHdfs(cluster);
    }

    /** {@code hdfs://localhost:PORT}. */
    public URI uri() {
        return cluster.getURI();
    }

    /** The full URI of an absolute path on this HDFS. */
    public String uri(String path) {
        return uri() + path;
    }

    /** The file system as the user running the tests, who started the cluster and so is its superuser. */
    public FileSystem fs() throws IOException {
        return cluster.getFileSystem();
    }

    /** Copies local files into {@code dir} on HDFS; returns {@code dir}'s URI. */
    public String put(String dir, java.nio.file.Path... files) throws IOException {
        FileSystem fs = fs();
        fs.mkdirs(new Path(dir));
        for (java.nio.file.Path file : files) {
            fs.copyFromLocalFile(new Path(file.toUri()), new Path(dir, file.getFileName().toString()));
        }
        return uri(dir);
    }

    /** Runs {@code action} as another HDFS user, one who is neither the superuser nor in its group. */
    public static <T> T as(String user, PrivilegedExceptionAction<T> action) throws Exception {
        return UserGroupInformation.createUserForTesting(user, new String[] {user}).doAs(action);
    }

    @Override
    public void close() {
        cluster.shutdown(true);
    }
}

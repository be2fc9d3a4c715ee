package org.sparkddp.it;

import java.io.IOException;
import java.net.URI;
import java.security.PrivilegedExceptionAction;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.security.UserGroupInformation;

/**
 * A real HDFS inside the test JVM: a namenode and two datanodes from Hadoop's own {@link MiniDFSCluster}, with
 * permissions on and a block size of {@value #BLOCK_SIZE} bytes, so that even the committed subset spans several
 * blocks on both datanodes and a reader has to cross block boundaries.
 */
final class MiniHdfs implements AutoCloseable {
    static final long BLOCK_SIZE = 128 * 1024;

    private final MiniDFSCluster cluster;

    private MiniHdfs(MiniDFSCluster cluster) {
        this.cluster = cluster;
    }

    static MiniHdfs start(java.nio.file.Path baseDir) throws IOException {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, baseDir.toAbsolutePath().toString());
        conf.setLong("dfs.blocksize", BLOCK_SIZE);
        conf.setLong("dfs.namenode.fs-limits.min-block-size", 4096);
        conf.setBoolean("dfs.permissions.enabled", true);
        MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(2).build();
        cluster.waitActive();
        return new MiniHdfs(cluster);
    }

    /** {@code hdfs://localhost:PORT}. */
    URI uri() {
        return cluster.getURI();
    }

    /** The full URI of an absolute path on this HDFS. */
    String uri(String path) {
        return uri() + path;
    }

    /** The file system as the user running the tests, who started the cluster and so is its superuser. */
    FileSystem fs() throws IOException {
        return cluster.getFileSystem();
    }

    /** Copies local files into {@code dir} on HDFS; returns {@code dir}'s URI. */
    String put(String dir, java.nio.file.Path... files) throws IOException {
        FileSystem fs = fs();
        fs.mkdirs(new Path(dir));
        for (java.nio.file.Path file : files) {
            fs.copyFromLocalFile(new Path(file.toUri()), new Path(dir, file.getFileName().toString()));
        }
        return uri(dir);
    }

    /** Runs {@code action} as another HDFS user, one who is neither the superuser nor in its group. */
    static <T> T as(String user, PrivilegedExceptionAction<T> action) throws Exception {
        return UserGroupInformation.createUserForTesting(user, new String[] {user}).doAs(action);
    }

    @Override
    public void close() {
        cluster.shutdown(true);
    }
}

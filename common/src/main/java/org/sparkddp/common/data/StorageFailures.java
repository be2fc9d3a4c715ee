package org.sparkddp.common.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.security.AccessControlException;

/**
 * Says in a few words why a Hadoop FileSystem call failed, for the one-line errors that name the path: Hadoop's
 * own messages run to several lines, a stack of wrapped causes and a wiki link. Used on the driver and on the
 * executors, for local disk, HDFS and object stores alike.
 */
public final class StorageFailures {
    /** Hadoop's IPC client names the server it tried: "Call From host/ip to HOST:PORT failed on ...". */
    private static final Pattern SERVER = Pattern.compile(" to (\\S+) failed on ");

    private StorageFailures() {
    }

    /** {@code no such file}, {@code permission denied}, {@code cannot reach HOST:PORT (connection refused)}, ... */
    public static String reason(IOException e) {
        if (e instanceof FileNotFoundException) {
            return "no such file";
        }
        if (e instanceof AccessControlException) {
            return "permission denied";
        }
        if (e instanceof ConnectException) {
            return "cannot reach " + server(e) + " (connection refused)";
        }
        if (e instanceof SocketTimeoutException) { // Hadoop's ConnectTimeoutException included
            return "cannot reach " + server(e) + " (no answer before the timeout; see spark.hadoop.ipc.client.*)";
        }
        if (e instanceof UnknownHostException) {
            return "unknown host " + firstLine(e.getMessage());
        }
        if (String.valueOf(e.getMessage()).startsWith("Incomplete HDFS URI, no host")) {
            // hdfs:///path where no fs.defaultFS names the namenode (DistributedFileSystem.initialize)
            return "an hdfs: URI with no host: give the namenode, hdfs://HOST:PORT/path, or set"
                    + " spark.hadoop.fs.defaultFS = \"hdfs://HOST:PORT\" in the config";
        }
        return firstLine(e.getMessage());
    }

    private static String server(IOException e) {
        Matcher m = SERVER.matcher(String.valueOf(e.getMessage()));
        return m.find() ? m.group(1) : "its server";
    }

    private static String firstLine(String message) {
        return message == null ? "I/O error" : message.lines().findFirst().orElse(message);
    }
}

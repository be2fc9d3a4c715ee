package org.sparkddp.worker.state;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether this executor sees paths on the driver's local disk ({@code file:} URIs): the driver asks before it
 * hands them over, since an executor on another machine would read or write its own disk instead. Runs on an
 * executor.
 */
public final class LocalPaths {
    private LocalPaths() {
    }

    /**
     * @param uris {@code file:} URIs of files the driver made (or found) on its own disk
     * @return those this executor does not see, each prefixed with this host's name and a tab
     */
    public static List<String> unseen(List<String> uris) {
        List<String> missing = new ArrayList<>();
        for (String uri : uris) {
            if (!Files.exists(Path.of(URI.create(uri)))) {
                missing.add(host() + "\t" + uri);
            }
        }
        return missing;
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "an executor whose host has no name";
        }
    }
}

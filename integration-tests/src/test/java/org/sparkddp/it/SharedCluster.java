package org.sparkddp.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The one standalone cluster ({@link LocalCluster}: a master and two workers of one core and 1 GB) that the cluster
 * test classes of a suite run share: started on first use, held in JUnit's root store and stopped when the run's
 * last class is done. Starting a cluster is three JVMs and their registration, seconds each time on two cores; a
 * class that kills the master or a worker, or needs another shape, starts its own instead (see ElasticClusterTest).
 *
 * <p>Every use begins with {@link #awaitIdle}: a class whose test left an application running or an executor ending
 * cannot break the next one. A cluster that does not get idle within the bound, or has lost a daemon, is restarted,
 * and the reason printed.
 */
final class SharedCluster implements ParameterResolver {
    /** How long an application left by the previous test may take to end (a driver's shutdown, executors killed). */
    static final Duration IDLE_BOUND = Duration.ofMinutes(2);
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedCluster.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == LocalCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        LocalCluster cluster = context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(Held.class, key -> Held.start(), Held.class).cluster;
        awaitIdle(cluster);
        return cluster;
    }

    /** Waits (bounded) until no application runs and no executor lives; restarts the cluster if it does not. */
    static void awaitIdle(LocalCluster cluster) {
        try {
            String busy = cluster.awaitIdle(IDLE_BOUND);
            if (busy != null) {
                System.out.println("shared cluster: restarting it, " + busy);
                cluster.restart();
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the shared cluster to be idle", e);
        }
    }

    /** The cluster in the root store: JUnit closes it once every class has run. */
    private record Held(LocalCluster cluster) implements ExtensionContext.Store.CloseableResource {
        static Held start() {
            try {
                // A directory of its own under target/ each run: no stale daemon's state, and the logs stay there.
                Path target = Files.createDirectories(TestData.REPO.resolve("integration-tests/target"));
                Path state = Files.createTempDirectory(target, "shared-cluster-").resolve("cluster");
                return new Held(LocalCluster.start(state, 2, 1, "1g"));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting the shared cluster", e);
            }
        }

        @Override
        public void close() throws Throwable {
            cluster.close();
        }
    }
}

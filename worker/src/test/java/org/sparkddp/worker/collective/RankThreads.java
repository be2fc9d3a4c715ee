package org.sparkddp.worker.collective;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.sparkddp.common.config.CollectiveKind;
import org.sparkddp.common.config.WireFormat;

/**
 * The collective tests' ranks: each connected through {@link Collectives#connect} from a thread of its own, over
 * an in-memory exchange of addresses, and all closed together with the threads after each test (a JUnit extension:
 * {@code @RegisterExtension final RankThreads threads = new RankThreads();}).
 */
final class RankThreads implements AutoCloseable, AfterEachCallback {
    final ExecutorService pool = Executors.newCachedThreadPool();
    private final List<Collective> open = new ArrayList<>();

    /**
     * Connects {@code size} ranks asking for {@code kind}, rank r listening on {@code host(r)} and saying it runs in
     * JVM {@code jvm(r)}; ranks of one JVM form one in-memory group under a stage name of their own.
     */
    List<Collective> connect(CollectiveKind kind, int size, IntFunction<String> host, IntFunction<String> jvm,
                             Pieces.Sizes pieces, WireFormat wire, Duration timeout) throws Exception {
        RingCollectiveTest.InMemoryExchange exchange = new RingCollectiveTest.InMemoryExchange(size);
        String stage = kind + " " + size + " " + System.nanoTime();
        List<Future<Collective>> futures = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            int rank = r;
            futures.add(pool.submit(() -> Collectives.connect(kind, rank, size, host.apply(rank),
                    WireSecret.of("s3cret"), stage, new JvmTags(exchange.forRank(rank), jvm.apply(rank)), timeout,
                    () -> false, pieces, wire)));
        }
        List<Collective> connected = new ArrayList<>();
        for (Future<Collective> f : futures) {
            Collective c = f.get(60, TimeUnit.SECONDS);
            open.add(c);
            connected.add(c);
        }
        return connected;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
    }

    @Override
    public void close() {
        open.forEach(Collective::close);
        pool.shutdownNow();
    }
}

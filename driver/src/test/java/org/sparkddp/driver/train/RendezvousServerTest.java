package org.sparkddp.driver.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sparkddp.worker.collective.PeerFailureException;
import org.sparkddp.worker.collective.RendezvousClient;

/**
 * The driver's rendezvous server with the executors' client, over loopback. Here rather than in the worker: the
 * server is the driver's, and the driver module has the worker's client on its classpath.
 */
class RendezvousServerTest {
    private static final String SECRET = "run-secret";
    private static final Duration LONG = Duration.ofSeconds(60);

    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final List<RendezvousServer> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(RendezvousServer::close);
        pool.shutdownNow();
    }

    private RendezvousServer server(Duration timeout) throws Exception {
        RendezvousServer server = RendezvousServer.start("127.0.0.1", SECRET, timeout);
        servers.add(server);
        return server;
    }

    private static RendezvousClient client(RendezvousServer server, String secret, int rank, int size,
                                           Duration timeout) {
        return new RendezvousClient(server.address(), secret, "7.0", rank, size, timeout, () -> false);
    }

    private static String address(int rank) {
        return "127.0.0.1:" + (20_000 + rank);
    }

    @Test
    @Timeout(30)
    void aWrongSecretIsRefusedAtOnceWithOneLine() throws Exception {
        RendezvousServer server = server(LONG);
        // A long client timeout: the refusal must come from the secret check, not from waiting for rank 1.
        PeerFailureException e = assertThrows(PeerFailureException.class,
                () -> client(server, "guessed", 0, 2, LONG).allGather(address(0)));
        assertEquals("rank 0: rendezvous with the driver at " + server.address() + " failed: the other end did not"
                + " prove it knows the run's secret (a wrong secret, or another run's)", e.getMessage());
    }

    @Test
    @Timeout(30)
    void aDuplicateRankIsRefusedAndTheRingStillForms() throws Exception {
        RendezvousServer server = server(LONG);
        ExecutorCompletionService<String[]> registrations = new ExecutorCompletionService<>(pool);
        Map<Future<String[]>, String> addressOf = new HashMap<>();
        for (String address : List.of("first:1", "second:1")) {
            addressOf.put(registrations.submit(() -> client(server, SECRET, 0, 2, LONG).allGather(address)), address);
        }
        // Whichever registers second is refused at once; the other waits for rank 1.
        Future<String[]> refused = registrations.poll(20, TimeUnit.SECONDS);
        ExecutionException e = assertThrows(ExecutionException.class, refused::get);
        assertEquals(PeerFailureException.class, e.getCause().getClass());
        assertEquals("rank 0: rendezvous with the driver at " + server.address() + " failed: rank 0 of 2 registered"
                + " twice for stage attempt 7.0", e.getCause().getMessage());

        addressOf.remove(refused);
        Map.Entry<Future<String[]>, String> kept = addressOf.entrySet().iterator().next();
        String[] rank1 = client(server, SECRET, 1, 2, LONG).allGather(address(1));
        assertArrayEquals(new String[] {kept.getValue(), address(1)}, rank1);
        assertArrayEquals(rank1, kept.getKey().get(20, TimeUnit.SECONDS));
    }

    @Test
    @Timeout(60)
    void moreRanksThanTheListenBacklogConnectingAtOnceAllRegister() throws Exception {
        int size = 2 * RendezvousServer.BACKLOG + 1;
        RendezvousServer server = server(Duration.ofSeconds(40));
        String[] expected = new String[size];
        CountDownLatch ready = new CountDownLatch(size);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<String[]>> results = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            int rank = r;
            expected[r] = address(r);
            results.add(pool.submit(() -> {
                RendezvousClient client = client(server, SECRET, rank, size, Duration.ofSeconds(40));
                ready.countDown();
                go.await(); // all connect at once: more connections than the backlog can be pending together
                return client.allGather(address(rank));
            }));
        }
        assertTrue(ready.await(20, TimeUnit.SECONDS));
        go.countDown();
        for (int r = 0; r < size; r++) {
            assertArrayEquals(expected, results.get(r).get(50, TimeUnit.SECONDS), "rank " + r);
        }
    }

    @Test
    @Timeout(30) // a hang's bound, a hundred times the deadline under test: not a speed a slow machine must reach
    void aClientMissingPeersGivesUpAtItsOwnDeadline() throws Exception {
        RendezvousServer server = server(LONG); // the server would wait far longer
        PeerFailureException e = assertThrows(PeerFailureException.class,
                () -> client(server, SECRET, 0, 3, Duration.ofMillis(300)).allGather(address(0)));
        assertEquals("rank 0: not all 3 ranks reached the rendezvous within PT0.3S", e.getMessage());
    }

    @Test
    @Timeout(30) // a hang's bound, a hundred times the deadline under test: not a speed a slow machine must reach
    void theServerAnswersAGroupThatNeverCompletesWithAnErrorAtItsDeadline() throws Exception {
        RendezvousServer server = server(Duration.ofMillis(300));
        PeerFailureException e = assertThrows(PeerFailureException.class,
                () -> client(server, SECRET, 2, 3, LONG).allGather(address(2)));
        assertEquals("rank 2: rendezvous with the driver at " + server.address() + " failed: only 1 of 3 ranks"
                + " arrived within PT0.3S", e.getMessage());
    }

    /**
     * A task slower than the server's handshake bound (a JVM just started on a busy host) has its connection closed
     * before it registered: it registers again on a new connection, and its stage attempt goes on. Between the
     * client and the server, a relay closes the first connection once the server's 5 s bound (Handshake.WAIT) has
     * passed since the client's hello arrived, as the server does, and relays the next ones. (A connection dropped
     * sooner is refused for another reason, and is not retried.) (Without the retry, the rank failed with "the
     * connection closed during the handshake", and with it the barrier stage: once in about six runs of
     * ElasticClusterTest's grow, a stage retry of about 5 s, the bound.)
     */
    @Test
    @Timeout(30) // a hang's bound: the drop waits out the 5 s bound, and the retry is immediate
    void aConnectionClosedBeforeTheRankRegisteredIsRetriedOnANewOne() throws Exception {
        RendezvousServer server = server(LONG);
        try (java.net.ServerSocket relay = new java.net.ServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress())) {
            Future<?> relayed = pool.submit(() -> relay(relay, server.address()));
            String address = "127.0.0.1:" + relay.getLocalPort();
            RendezvousClient slow = new RendezvousClient(address, SECRET, "7.0", 0, 2, LONG, () -> false);
            Future<String[]> rank1 = pool.submit(() -> client(server, SECRET, 1, 2, LONG).allGather(address(1)));
            assertArrayEquals(new String[] {address(0), address(1)}, slow.allGather(address(0)));
            assertArrayEquals(new String[] {address(0), address(1)}, rank1.get(20, TimeUnit.SECONDS));
            relayed.get(20, TimeUnit.SECONDS); // the relay's own failure, if any
        }
    }

    /**
     * Accepts a connection and closes it once a byte arrives (the server's drop at its handshake bound); then relays
     * one connection to {@code server} both ways until it ends.
     */
    private Void relay(java.net.ServerSocket relay, String server) throws Exception {
        try (java.net.Socket dropped = relay.accept()) {
            dropped.getInputStream().read();
            Thread.sleep(5_100); // the server's bound, Handshake.WAIT (package-private to the worker)
        }
        int colon = server.lastIndexOf(':');
        try (java.net.Socket client = relay.accept();
             java.net.Socket upstream = new java.net.Socket(server.substring(0, colon),
                     Integer.parseInt(server.substring(colon + 1)))) {
            Future<?> up = pool.submit(() -> client.getInputStream().transferTo(upstream.getOutputStream()));
            upstream.getInputStream().transferTo(client.getOutputStream());
            client.shutdownOutput();
            up.cancel(true);
        }
        return null;
    }

    /** Tagged slow: it waits out the handshake's bound, longer than the quick set (deploy/test --quick) can spare. */
    @Test
    @Tag("slow")
    @Timeout(60)
    void aSilentAndATricklingConnectionAreClosedAtTheHandshakeBoundWhileRanksRegister() throws Exception {
        RendezvousServer server = server(LONG);
        int colon = server.address().lastIndexOf(':');
        java.net.InetSocketAddress at = new java.net.InetSocketAddress(server.address().substring(0, colon),
                Integer.parseInt(server.address().substring(colon + 1)));
        List<Future<Long>> closed = new ArrayList<>();
        for (boolean trickle : new boolean[] {false, true}) {
            java.net.Socket s = new java.net.Socket();
            s.connect(at, 5000);
            long start = System.nanoTime();
            closed.add(pool.submit(() -> {
                try (s) {
                    s.setSoTimeout(20_000);
                    java.io.InputStream in = s.getInputStream();
                    for (int i = 0; trickle && i < 12; i++) { // a hello header, one byte a second
                        s.getOutputStream().write(i == 0 ? 0x53 : 0);
                        if (in.available() < 0) {
                            break;
                        }
                        Thread.sleep(1000);
                    }
                    while (in.read() >= 0) {
                        // nothing is due to a stranger
                    }
                } catch (java.net.SocketTimeoutException e) {
                    throw new AssertionError("still open after 20 s");
                } catch (java.io.IOException e) {
                    // reset: closed too
                }
                return (System.nanoTime() - start) / 1_000_000;
            }));
        }
        Future<String[]> rank0 = pool.submit(() -> client(server, SECRET, 0, 2, LONG).allGather(address(0)));
        assertArrayEquals(new String[] {address(0), address(1)}, client(server, SECRET, 1, 2, LONG).allGather(address(1)));
        assertArrayEquals(new String[] {address(0), address(1)}, rank0.get(20, TimeUnit.SECONDS));
        for (Future<Long> c : closed) {
            System.out.printf("rendezvous: a stranger closed %d ms after it connected%n", c.get(30, TimeUnit.SECONDS));
        }
    }
}

package org.sparkddp.worker.collective;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.sparkddp.common.config.CollectiveKind;

/** Connects the ranks of a stage through the collective a run asks for. Runs on executors, once per stage. */
public final class Collectives {
    private Collectives() {
    }

    /**
     * @param host      the address this rank is reachable at; ranks with the same host share a machine
     * @param exchange  swaps one message per rank (the driver's rendezvous)
     * @param timeout   bound on every wait
     * @param cancelled polled while waiting; true once Spark has killed the task
     */
    public static Collective connect(CollectiveKind kind, int rank, int size, String host, String secret,
                                     PeerRing.AddressExchange exchange, Duration timeout, BooleanSupplier cancelled) {
        return PeerRing.connect(rank, size, host, secret, exchange, timeout, cancelled);
    }
}

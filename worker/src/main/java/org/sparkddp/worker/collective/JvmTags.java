package org.sparkddp.worker.collective;

import java.util.Arrays;

/**
 * Sends this JVM's id ({@link LocalGroups#JVM_ID}) with this rank's address through the rendezvous, and keeps
 * every rank's, so that the ranks can tell which of them share a JVM. Runs on executors, once per rank and stage.
 *
 * <p>NOTE: the rendezvous carries one opaque string per rank; the id rides after the address, separated by a
 * space (which no {@code host:port} holds), so the driver's rendezvous and its wire format are unchanged.
 */
final class JvmTags implements PeerRing.AddressExchange {
    private final PeerRing.AddressExchange exchange;
    private final String jvm;
    private String[] jvms;

    JvmTags(PeerRing.AddressExchange exchange) {
        this(exchange, LocalGroups.JVM_ID);
    }

    /** @param jvm the id to send (tests make ranks of one JVM look like several JVMs) */
    JvmTags(PeerRing.AddressExchange exchange, String jvm) {
        this.exchange = exchange;
        this.jvm = jvm;
    }

    /** Swaps {@code address + " " + jvm} for every rank's, and returns the addresses alone. */
    @Override
    public String[] allGather(String address) {
        String[] tagged = exchange.allGather(address + " " + jvm);
        String[] addresses = new String[tagged.length];
        jvms = new String[tagged.length];
        for (int r = 0; r < tagged.length; r++) {
            int space = tagged[r] == null ? -1 : tagged[r].lastIndexOf(' ');
            if (space < 0) {
                throw new PeerFailureException("rank " + r + " sent no JVM id with its address '" + tagged[r]
                        + "': it runs another version of spark-ddp");
            }
            addresses[r] = tagged[r].substring(0, space);
            jvms[r] = tagged[r].substring(space + 1);
        }
        return addresses;
    }

    /** Every rank's JVM id, indexed by rank; only after {@link #allGather}. */
    String[] jvms() {
        return jvms.clone();
    }

    /** Whether every rank runs in the same JVM. */
    boolean oneJvm() {
        return Arrays.stream(jvms).distinct().count() == 1;
    }

    /** Whether some JVM runs more than one rank. */
    boolean shared() {
        return Arrays.stream(jvms).distinct().count() < jvms.length;
    }

    /** How many JVMs the ranks run in. */
    long count() {
        return Arrays.stream(jvms).distinct().count();
    }
}

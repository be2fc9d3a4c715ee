package org.sparkddp.worker.collective;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The ranks of a stage grouped by host, from the {@code host:port} addresses they exchanged: every rank builds
 * the same groups from the same addresses. Hosts are numbered by their lowest rank, a host's ranks are in
 * ascending order, and a host's lowest rank is its leader. Ranks of one host need not be consecutive (a rank is
 * Spark's partition id, whatever executor runs it). Runs on executors.
 */
final class HostGroups {
    private final List<String> names = new ArrayList<>();
    private final List<int[]> ranks = new ArrayList<>();
    private final int[] hostOf;
    private final int[] localIndex;

    private HostGroups(String[] addresses) {
        Map<String, List<Integer>> byHost = new LinkedHashMap<>(); // insertion order: by lowest rank
        for (int r = 0; r < addresses.length; r++) {
            byHost.computeIfAbsent(host(addresses[r]), h -> new ArrayList<>()).add(r);
        }
        hostOf = new int[addresses.length];
        localIndex = new int[addresses.length];
        byHost.forEach((name, members) -> {
            int h = names.size();
            names.add(name);
            ranks.add(members.stream().mapToInt(Integer::intValue).toArray());
            for (int j = 0; j < members.size(); j++) {
                hostOf[members.get(j)] = h;
                localIndex[members.get(j)] = j;
            }
        });
    }

    /** @param addresses every rank's {@code host:port}, indexed by rank */
    static HostGroups of(String[] addresses) {
        return new HostGroups(addresses);
    }

    /** The host part of {@code host:port} (the part before the last colon, so an IPv6 literal stays whole). */
    static String host(String address) {
        int colon = address.lastIndexOf(':');
        return colon < 0 ? address : address.substring(0, colon);
    }

    int hosts() {
        return names.size();
    }

    int size() {
        return hostOf.length;
    }

    /** Host {@code h}'s ranks, ascending; the first is its leader. */
    int[] ranksOn(int h) {
        return ranks.get(h).clone();
    }

    int leader(int h) {
        return ranks.get(h)[0];
    }

    int hostOf(int rank) {
        return hostOf[rank];
    }

    /** Position of {@code rank} among its host's ranks: 0 for the leader. */
    int localIndex(int rank) {
        return localIndex[rank];
    }

    /** Whether some host runs more than one rank. */
    boolean shared() {
        return ranks.stream().anyMatch(r -> r.length > 1);
    }

    /** For the executor log: "2 hosts: 127.0.0.1 [0, 2], 127.0.0.2 [1, 3]". */
    @Override
    public String toString() {
        return hosts() + (hosts() == 1 ? " host: " : " hosts: ") + java.util.stream.IntStream.range(0, hosts())
                .mapToObj(h -> names.get(h) + " " + Arrays.toString(ranks.get(h))).collect(Collectors.joining(", "));
    }
}

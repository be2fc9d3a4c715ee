package org.sparkddp.worker.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import org.junit.jupiter.api.Test;

/** A rank listens on the address it is given (its executor's), never on a wildcard. */
class ListenAddressTest {
    @Test
    void aRankListensOnlyOnTheAddressItIsGiven() throws Exception {
        try (ServerSocketChannel server = PeerRing.listen("127.0.0.2", 2)) {
            assertEquals("127.0.0.2", ((InetSocketAddress) server.getLocalAddress()).getAddress().getHostAddress());
        }
    }

    @Test
    void aWildcardAddressIsRefused() {
        for (String wildcard : new String[] {"0.0.0.0", "::"}) {
            IOException e = assertThrows(IOException.class, () -> PeerRing.listen(wildcard, 2).close());
            assertEquals("will not listen on the wildcard address " + wildcard + ": give the executor's own",
                    e.getMessage());
        }
    }
}

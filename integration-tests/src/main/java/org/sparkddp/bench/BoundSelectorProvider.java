package org.sparkddp.bench;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.nio.channels.Channel;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;

/**
 * The JDK's own selector provider, except that every new {@link SocketChannel} is bound to this process's emulated
 * host address before it connects. Runs in the scaling benchmark's rank processes only, installed with
 * {@code -Djava.nio.channels.spi.SelectorProvider=org.sparkddp.bench.BoundSelectorProvider} and
 * {@code -Dsparkddp.bench.bind=127.0.0.K}.
 *
 * <p>Why: a socket that connects without binding gets the loopback route's preferred source, 127.0.0.1, whatever
 * address it dials, so the emulated network could neither tell which host sent a packet nor keep its hands off
 * 127.0.0.1. The collective's code dials unbound (on a real cluster the kernel picks the host's own address), and
 * this keeps it unchanged: the benchmark measures the same code the trainer runs.
 *
 * <p>NOTE: channels and selectors all come from the one JDK provider, so registering a channel with a selector
 * still passes the JDK's same-provider check.
 */
public final class BoundSelectorProvider extends SelectorProvider {
    static final String BIND_PROPERTY = "sparkddp.bench.bind";

    private final SelectorProvider jdk;
    private final String bind;

    public BoundSelectorProvider() {
        this.jdk = jdkDefault();
        this.bind = System.getProperty(BIND_PROPERTY);
        if (bind == null || !bind.startsWith("127.")) {
            throw new IllegalStateException("BoundSelectorProvider: -D" + BIND_PROPERTY
                    + " must name a loopback address (127.x.y.z), got " + bind);
        }
    }

    /** The provider the JDK would have used (sun.nio.ch.DefaultSelectorProvider, opened by the JVM flags). */
    private static SelectorProvider jdkDefault() {
        try {
            Method get = Class.forName("sun.nio.ch.DefaultSelectorProvider").getMethod("get");
            return (SelectorProvider) get.invoke(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("BoundSelectorProvider: cannot reach the JDK's selector provider (is"
                    + " --add-opens=java.base/sun.nio.ch=ALL-UNNAMED set?): " + e, e);
        }
    }

    @Override
    public SocketChannel openSocketChannel() throws IOException {
        SocketChannel channel = jdk.openSocketChannel();
        channel.bind(new InetSocketAddress(bind, 0));
        return channel;
    }

    @Override
    public SocketChannel openSocketChannel(ProtocolFamily family) throws IOException {
        SocketChannel channel = jdk.openSocketChannel(family);
        channel.bind(new InetSocketAddress(bind, 0));
        return channel;
    }

    @Override
    public ServerSocketChannel openServerSocketChannel() throws IOException {
        return jdk.openServerSocketChannel();
    }

    @Override
    public ServerSocketChannel openServerSocketChannel(ProtocolFamily family) throws IOException {
        return jdk.openServerSocketChannel(family);
    }

    @Override
    public DatagramChannel openDatagramChannel() throws IOException {
        return jdk.openDatagramChannel();
    }

    @Override
    public DatagramChannel openDatagramChannel(ProtocolFamily family) throws IOException {
        return jdk.openDatagramChannel(family);
    }

    @Override
    public Pipe openPipe() throws IOException {
        return jdk.openPipe();
    }

    @Override
    public AbstractSelector openSelector() throws IOException {
        return jdk.openSelector();
    }

    @Override
    public Channel inheritedChannel() throws IOException {
        return jdk.inheritedChannel();
    }
}

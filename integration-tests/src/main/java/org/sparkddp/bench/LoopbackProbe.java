package org.sparkddp.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;

/**
 * Round-trip time and throughput of one TCP connection on 127.0.0.1, the address the emulated network must leave
 * alone: the scaling benchmark measures them before the tc setup and with it in place, and prints both. Runs in
 * the benchmark's parent JVM; every socket wait is bounded.
 */
final class LoopbackProbe {
    private static final int TIMEOUT_MS = 10_000;

    record Figures(double rttMicros, double gbitPerSecond) {
    }

    private LoopbackProbe() {
    }

    static Figures measure() throws IOException, InterruptedException {
        InetAddress local = InetAddress.getByName("127.0.0.1");
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(local, 0));
            server.setSoTimeout(TIMEOUT_MS);
            Thread echo = new Thread(() -> serve(server), "loopback-probe-echo");
            echo.setDaemon(true);
            echo.start();
            try (Socket socket = new Socket()) {
                socket.connect(server.getLocalSocketAddress(), TIMEOUT_MS);
                socket.setSoTimeout(TIMEOUT_MS);
                socket.setTcpNoDelay(true);
                OutputStream out = socket.getOutputStream();
                InputStream in = socket.getInputStream();
                double[] rtt = new double[2000];
                for (int i = 0; i < rtt.length; i++) {
                    long t0 = System.nanoTime();
                    out.write(1);
                    out.flush();
                    if (in.read() < 0) {
                        throw new IOException("loopback probe: the echo closed early");
                    }
                    rtt[i] = (System.nanoTime() - t0) / 1e3;
                }
                Arrays.sort(rtt);
                out.write(0); // switch the echo to sink mode
                byte[] block = new byte[1 << 20];
                long bytes = 512L << 20;
                long t0 = System.nanoTime();
                for (long sent = 0; sent < bytes; sent += block.length) {
                    out.write(block);
                }
                out.flush();
                socket.shutdownOutput();
                if (in.read() < 0) {
                    throw new IOException("loopback probe: the sink closed before acknowledging");
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                return new Figures(rtt[rtt.length / 2], bytes * 8 / seconds / 1e9);
            } finally {
                echo.join(TIMEOUT_MS);
            }
        }
    }

    /** Echoes bytes of 1; after a 0, reads to the end and answers one byte. */
    private static void serve(ServerSocket server) {
        try (Socket peer = server.accept()) {
            peer.setSoTimeout(TIMEOUT_MS);
            peer.setTcpNoDelay(true);
            InputStream in = peer.getInputStream();
            OutputStream out = peer.getOutputStream();
            int b;
            while ((b = in.read()) == 1) {
                out.write(1);
                out.flush();
            }
            byte[] buffer = new byte[1 << 20];
            while (in.read(buffer) >= 0) {
                // sink
            }
            out.write(2);
            out.flush();
        } catch (IOException e) {
            // The probe's own side reports the failure.
        }
    }
}

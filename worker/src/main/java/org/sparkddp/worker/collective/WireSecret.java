package org.sparkddp.worker.collective;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The run's secret and whether frames are encrypted, as the driver hands them to every task (inside the task
 * closure, which Spark's own RPC protects). The secret proves a connection's two ends belong to the same run
 * ({@link Handshake}); it never crosses a socket of ours, and {@link #toString()} never shows it, so that a spec
 * printed in a log line or a stack trace does not leak it.
 */
public final class WireSecret implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String secret;
    private final boolean encrypted;
    /** Names the run and stage attempt whose connections this authenticates; empty for the run as a whole. */
    private final String context;

    /**
     * @param secret    the run's secret (random per run)
     * @param encrypted whether every frame is encrypted and authenticated with AES-GCM; otherwise each carries a
     *                  CRC-32C
     */
    public WireSecret(String secret, boolean encrypted) {
        this(secret, encrypted, "");
    }

    private WireSecret(String secret, boolean encrypted, String context) {
        this.context = Objects.requireNonNull(context, "context");
        this.secret = Objects.requireNonNull(secret, "secret");
        if (secret.isEmpty()) {
            throw new IllegalArgumentException("an empty secret");
        }
        this.encrypted = encrypted;
    }

    /** A secret whose frames carry CRC-32C, not encryption. */
    public static WireSecret of(String secret) {
        return new WireSecret(secret, false);
    }

    /**
     * The same secret, for the connections of one stage attempt: a handshake names the context, and a connection
     * of another attempt (a stale or replayed one) is refused.
     */
    public WireSecret forStage(String stage) {
        return new WireSecret(secret, encrypted, stage);
    }

    public String context() {
        return context;
    }

    public boolean encrypted() {
        return encrypted;
    }

    /** The key material for the handshake's HMACs and the frames' key derivation; never written anywhere. */
    byte[] keyBytes() {
        return secret.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "WireSecret[redacted, " + (encrypted ? "AES-GCM" : "CRC-32C") + " frames]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WireSecret w && w.secret.equals(secret) && w.encrypted == encrypted
                && w.context.equals(context);
    }

    @Override
    public int hashCode() {
        return Objects.hash(secret, encrypted, context);
    }
}

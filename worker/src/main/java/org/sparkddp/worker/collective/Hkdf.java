package org.sparkddp.worker.collective;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF on HMAC-SHA256 (Krawczyk and Eronen, RFC 5869, "HMAC-based Extract-and-Expand Key Derivation Function"):
 * extract a pseudo-random key from the input key material and a salt, then expand it into as many bytes as asked,
 * bound to {@code info}. Runs on executors and the driver, once per connection.
 */
final class Hkdf {
    private static final String HMAC = "HmacSHA256";
    private static final int HASH_BYTES = 32;

    private Hkdf() {
    }

    /** {@code OKM = HKDF-Expand(HKDF-Extract(salt, ikm), info, length)}, RFC 5869 section 2. */
    static byte[] derive(byte[] ikm, byte[] salt, byte[] info, int length) {
        if (length <= 0 || length > 255 * HASH_BYTES) {
            throw new IllegalArgumentException("HKDF cannot give " + length + " bytes");
        }
        try {
            byte[] prk = hmac(salt.length == 0 ? new byte[HASH_BYTES] : salt, ikm); // 2.2: PRK = HMAC(salt, IKM)
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(prk, HMAC));
            byte[] okm = new byte[length];
            byte[] t = new byte[0];
            for (int i = 1, done = 0; done < length; i++) {                         // 2.3: T(i) = HMAC(PRK, T(i-1) | info | i)
                mac.update(t);
                mac.update(info);
                mac.update((byte) i);
                t = mac.doFinal();
                int m = Math.min(t.length, length - done);
                System.arraycopy(t, 0, okm, done, m);
                done += m;
            }
            return okm;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    /** HMAC-SHA256 of the concatenation of {@code parts} under {@code key}. */
    static byte[] hmac(byte[] key, byte[]... parts) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            for (byte[] p : parts) {
                mac.update(p);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }
}

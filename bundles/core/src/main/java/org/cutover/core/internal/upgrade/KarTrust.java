package org.cutover.core.internal.upgrade;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;

import org.cutover.core.internal.wire.Envelope.Kar;

/**
 * Whether a KAR is signed by a CA a node trusts (its {@code etc/cutover-tls/ca.crt}): the signature is over the
 * KAR's bytes, made with the CA's key ({@code bin/cutover-certs sign CA_DIR FILE}: Ed25519 for the CAs that script
 * makes, SHA-256 with RSA or ECDSA for others). Every node checks it before it writes anything of the KAR; the
 * node an operator asks checks it first, so a KAR no node would take is refused at once.
 */
public final class KarTrust {

    private KarTrust() {
    }

    /** @throws IllegalStateException saying why, unless one of {@code cas} signed the KAR */
    static void requireTrusted(Kar kar, List<X509Certificate> cas) {
        String why = refusal(kar, cas);
        if (why != null) {
            throw new IllegalStateException(why);
        }
    }

    /** null when one of {@code cas} signed the KAR, else why not */
    public static String refusal(Kar kar, List<X509Certificate> cas) {
        if (kar.signature().length == 0) {
            return kar.name() + " is not signed: sign it with the cluster CA (bin/cutover-certs sign CA_DIR "
                    + kar.name() + ") and give the signature beside it (" + kar.name() + ".sig)";
        }
        for (X509Certificate ca : cas) {
            try {
                PublicKey key = ca.getPublicKey();
                Signature verifier = Signature.getInstance(algorithm(key));
                verifier.initVerify(key);
                verifier.update(kar.bytes());
                if (verifier.verify(kar.signature())) {
                    return null;
                }
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                // not this CA's signature (another key type, or a signature of another length)
            }
        }
        return kar.name() + " is not signed by a CA this node trusts (" + cas.stream()
                .map(c -> c.getSubjectX500Principal().getName()).toList() + ")";
    }

    private static String algorithm(PublicKey key) {
        return switch (key.getAlgorithm()) {
            case "EdDSA", "Ed25519" -> "Ed25519";
            case "Ed448" -> "Ed448";
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm();
        };
    }
}

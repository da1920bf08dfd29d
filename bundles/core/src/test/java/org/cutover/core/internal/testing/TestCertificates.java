package org.cutover.core.internal.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Certificates for tests, made by the distribution's own bin/cutover-certs (openssl), the one way to make them. */
public final class TestCertificates {

    static final Path SCRIPT = Path.of("..", "..", "karaf-assembly", "src", "main", "resources", "assembly", "bin",
            "cutover-certs");

    private TestCertificates() {
    }

    /** a new cluster CA in {@code dir} (ca.key, ca.crt) */
    public static Path ca(Path dir) throws IOException {
        run("ca", dir.toString());
        return dir;
    }

    /** node {@code name}'s key and certificate from {@code ca} in {@code out}, trusting {@code ca} if out has no CAs */
    public static Path node(Path ca, String name, Path out) throws IOException {
        run("node", ca.toString(), name, out.toString());
        return out;
    }

    /** the signature of {@code file}'s bytes by {@code ca}'s key, as an operator signs a KAR */
    public static byte[] sign(Path ca, Path file) throws IOException {
        run("sign", ca.toString(), file.toString());
        return java.nio.file.Files.readAllBytes(Path.of(file + ".sig"));
    }

    /** sets the CAs the node in {@code out} trusts */
    public static void trust(Path out, Path... cas) throws IOException {
        List<String> args = new ArrayList<>(List.of("trust", out.toString()));
        for (Path ca : cas) {
            args.add(ca.toString());
        }
        run(args.toArray(String[]::new));
    }

    private static void run(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("cutover-certs " + String.join(" ", args) + " did not end in 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException("cutover-certs " + String.join(" ", args) + " failed: " + out);
        }
    }
}

package org.cutover.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Node certificates made by the distribution's bin/cutover-certs (openssl), the one way they are made: one
 * cluster CA per root folder ({@code root/ca}, its key stays there, off the nodes), one certificate per node name.
 */
public final class NodeCertificates {

    private NodeCertificates() {
    }

    /** node {@code name}'s key and certificate from the CA of {@code root}, into {@code dir}, by {@code script} */
    public static synchronized Path issue(Path script, Path root, String name, Path dir) throws IOException {
        Path ca = root.resolve("ca");
        if (!Files.exists(ca.resolve("ca.key"))) {
            run(script, "ca", ca.toString());
        }
        run(script, "node", ca.toString(), name, dir.toString());
        return dir.toAbsolutePath();
    }

    /** signs {@code file} (a KAR) with the CA of {@code root}, by {@code script}: the signature in FILE.sig */
    public static synchronized Path sign(Path script, Path root, Path file) throws IOException {
        run(script, "sign", root.resolve("ca").toString(), file.toString());
        return Path.of(file + ".sig");
    }

    private static void run(Path script, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("bash", script.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("bin/cutover-certs " + String.join(" ", args) + " failed: "
                        + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                        + " (it needs openssl; Debian: apt-get install openssl)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}

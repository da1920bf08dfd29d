package org.cutover.itests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Node certificates for the nodes the tests start, made by the distribution's bin/cutover-certs (openssl): one
 * cluster CA per root folder ({@code root/ca}), one certificate per node name.
 */
final class Certificates {

    /** the script the distribution ships, from this module's folder */
    private static final Path SCRIPT = Path.of("..", "karaf-assembly", "src", "main", "resources", "assembly", "bin",
            "cutover-certs");

    private Certificates() {
    }

    /** node {@code name}'s TLS folder {@code root/name} from the CA of {@code root} */
    static Path node(Path root, String name) throws IOException {
        return node(root, name, root.resolve(name));
    }

    /** node {@code name}'s key and certificate from the CA of {@code root} in {@code dir} */
    static synchronized Path node(Path root, String name, Path dir) throws IOException {
        Path ca = root.resolve("ca");
        if (!Files.exists(ca.resolve("ca.key"))) {
            run("ca", ca.toString());
        }
        run("node", ca.toString(), name, dir.toString());
        return dir.toAbsolutePath();
    }

    private static void run(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("bin/cutover-certs " + String.join(" ", args) + " failed: "
                        + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}

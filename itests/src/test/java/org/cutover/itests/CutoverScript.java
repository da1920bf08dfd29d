package org.cutover.itests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** The project's {@code ./cutover} as an operator types it, with a test's own run folder (CUTOVER_RUN). */
final class CutoverScript {

    private static final Path PROJECT = Path.of("..").toAbsolutePath().normalize();

    private final Path run;

    CutoverScript(Path run) {
        this.run = run.toAbsolutePath();
    }

    record Result(int status, String output) {
    }

    Result run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", PROJECT.resolve("cutover").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("CUTOVER_RUN", run.toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("./cutover " + String.join(" ", args) + " did not end in 5 min");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** the pids of the Karaf JVMs whose folders are under the run folder */
    List<Long> karafProcesses() {
        String base = "-Dkaraf.base=" + run;
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(a -> List.of(a).stream().anyMatch(x -> x.startsWith(base)))
                        .orElse(false))
                .map(ProcessHandle::pid).collect(Collectors.toList());
    }
}

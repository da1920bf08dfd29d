package org.cutover.core.internal.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.cutover.api.Group;
import org.cutover.core.internal.testing.TestCluster.TestNode;

/**
 * One node of a {@link TestCluster} in a JVM of its own, so that a test can
 * stop the whole process as a stalled machine would (SIGSTOP): its sockets
 * stay open, the kernel keeps accepting bytes until its buffers are full, and
 * nothing reads them. The node joins group {@code g} and runs until the test
 * closes it.
 */
public final class NodeProcess implements AutoCloseable {

    private static final String READY = "node ready";

    private final Process process;
    private final String name;

    private NodeProcess(Process process, String name) {
        this.process = process;
        this.name = name;
    }

    /** starts node number {@code index} of {@code cluster} in a new JVM; returns once it is in the cluster log */
    public static NodeProcess start(TestCluster cluster, int index) throws IOException, InterruptedException {
        String name = "node" + (index + 1);
        Path stderr = cluster.stateDir().resolve(name + "-process.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-Djava.net.preferIPv4Stack=true", "-cp",
                System.getProperty("java.class.path"), NodeProcess.class.getName(), cluster.clusterName(),
                cluster.stateDir().toAbsolutePath().toString(), Integer.toString(index),
                Arrays.stream(cluster.ports()).mapToObj(Integer::toString).collect(Collectors.joining(","))));
        Process p = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        NodeProcess node = new NodeProcess(p, name);
        BlockingQueue<String> lines = new ArrayBlockingQueue<>(1);
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.equals(READY)) {
                        lines.offer(line);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, name + "-stdout");
        reader.setDaemon(true);
        reader.start();
        if (lines.poll(TestCluster.WAIT.toSeconds(), TimeUnit.SECONDS) == null) {
            node.close();
            throw new AssertionError(name + " did not join within " + TestCluster.WAIT + "; its log: " + stderr);
        }
        return node;
    }

    /** SIGSTOP: every thread of the process stops where it is */
    public void freeze() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT */
    public void thaw() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + signal + " " + process.pid() + " failed");
        }
    }

    public String name() {
        return name;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " (pid " + process.pid() + ") did not end");
        }
    }

    /** args: cluster name, state folder, node index, the cluster's ports separated by commas */
    public static void main(String[] args) throws Exception {
        int[] ports = Arrays.stream(args[3].split(",")).mapToInt(Integer::parseInt).toArray();
        TestCluster cluster = TestCluster.attach(args[0], Path.of(args[1]), ports);
        TestNode node = cluster.launch(Integer.parseInt(args[2]), 1);
        cluster.awaitSynced(node);
        Group g = node.node.join("g", new RecordingListener());
        System.out.println(READY);
        System.out.flush();
        // runs until the test ends it; stdin stays open meanwhile
        while (System.in.read() >= 0) {
            // nothing to read; EOF when the test's end closes the pipe
        }
        g.close();
        cluster.close();
        System.exit(0);
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}

package org.cutover.launcher;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.Test;

/** How a command waits for a node's ssh server ({@link KarafNode#retried}), against fake servers */
public class CommandRetryTest {

    private static final Duration CONNECT = Duration.ofMillis(300);
    private static final Duration PAUSE = Duration.ofMillis(20);

    /** a server whose attempts fail as {@code outcomes} say: a number of ms to hang before failing, or "ok" */
    private static final class FakeServer implements KarafNode.SshServer {
        final List<Object> outcomes;
        final boolean silent;
        final List<String> said = new ArrayList<>();
        int attempts;

        FakeServer(boolean silent, Object... outcomes) {
            this.silent = silent;
            this.outcomes = List.of(outcomes);
        }

        @Override
        public ShellResult attempt() throws IOException {
            Object outcome = outcomes.get(Math.min(attempts++, outcomes.size() - 1));
            if (outcome.equals("ok")) {
                said.add("ran");
                return new ShellResult("c", 0, "done");
            }
            KarafNode.sleep(Duration.ofMillis((Integer) outcome));
            said.add("failed");
            throw new IOException("attempt " + attempts);
        }

        @Override
        public boolean silent() {
            return silent;
        }

        @Override
        public void restart(IOException failure) {
            said.add("restart after " + failure.getMessage());
        }

        @Override
        public CommandFailedException failed(IOException last) {
            return new CommandFailedException("gave up after " + last.getMessage());
        }
    }

    /**
     * The CI run that failed: the server is restarted, and the first login after it hangs past the whole wait
     * (a login's 30 s timeout against a 30 s wait); the next one runs the command.
     */
    @Test
    public void aLoginThatHangsPastTheWaitAfterARestartIsFollowedByAnother() {
        FakeServer server = new FakeServer(true, 100, 400, "ok");
        ShellResult result = KarafNode.retried(server, CONNECT, PAUSE);
        assertEquals("done", result.output());
        assertEquals(List.of("failed", "restart after attempt 1", "failed", "ran"), server.said);
    }

    @Test
    public void aSilentServerIsRestartedOnceOnly() {
        FakeServer server = new FakeServer(true, 400);
        try {
            KarafNode.retried(server, CONNECT, PAUSE);
            fail("ran on a server that never answers: " + server.said);
        } catch (CommandFailedException e) {
            assertEquals("gave up after attempt 3", e.getMessage());
        }
        assertEquals(List.of("failed", "restart after attempt 1", "failed", "failed"), server.said);
    }

    /** a node that boots: refused connections, tried every pause until one begins past the wait */
    @Test
    public void aServerThatDoesNotListenIsTriedUntilTheWaitEnds() {
        FakeServer server = new FakeServer(false, 0);
        long start = System.nanoTime();
        try {
            KarafNode.retried(server, CONNECT, PAUSE);
            fail("ran on a server that never listens");
        } catch (CommandFailedException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("gave up after attempt "));
        }
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue("gave up after " + tookMillis + " ms", tookMillis >= CONNECT.toMillis() && tookMillis < 2_000);
        assertTrue(server.said.toString(), server.attempts >= 5 && !server.said.contains("ran"));
        assertTrue(server.said.toString(), server.said.stream().noneMatch(s -> s.startsWith("restart")));
    }

    @Test
    public void aCommandThatRunsAtOnceIsTriedOnce() {
        FakeServer server = new FakeServer(true, "ok");
        assertEquals("done", KarafNode.retried(server, CONNECT, PAUSE).output());
        assertEquals(List.of("ran"), server.said);
    }
}

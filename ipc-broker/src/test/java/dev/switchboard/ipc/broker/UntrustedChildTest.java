package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.MessagePipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child invited with {@code untrustedProcess()} may not send handles of any kind to the broker,
 * nor ask to be introduced to a node it was never given a pipe to: either is a bad message, and
 * the child is disconnected without leaking anything here. Within those rules it works like any
 * other child. A trusted child asking for an unknown node gets a defined failure, not a hang.
 */
class UntrustedChildTest {

    @BeforeAll
    static void warmUp() throws Exception {
        try (GraphLaunch l = GraphLaunch.start("warm-up")) {
            l.ask("say x", "x");
        }
    }

    @Test
    void untrustedChildSendingAnFdIsABadMessageAndIsDisconnected() throws Exception {
        checkViolation("bad-fd", "(?is).*(handle|fd|descriptor|file).*");
    }

    @Test
    void untrustedChildSendingAPipeEndIsABadMessageAndIsDisconnected() throws Exception {
        checkViolation("bad-pipe", "(?is).*(handle|pipe|port).*");
    }

    @Test
    void untrustedChildAskingForAnUnknownNodeIsABadMessageAndIsDisconnected() throws Exception {
        checkViolation("intro random", "(?is).*introduc.*");
    }

    @Test
    void untrustedChildAskingForARealNodeItWasNotGivenAPipeToIsABadMessageAndIsDisconnected() throws Exception {
        try (GraphLaunch other = GraphLaunch.start("B")) {
            String node = other.node.get(30, TimeUnit.SECONDS).toHex();
            checkViolation("intro " + node, "(?is).*introduc.*");
            // the node it tried to reach is unharmed
            MessagePipe.Pair p = MessagePipe.create();
            other.send("echo", p.end1());
            p.end0().write(GraphSupport.text("still here?"));
            assertEquals("still here?", TestSupport.readText(p.end0(), GraphLaunch.WAIT));
            p.end0().close();
            assertTrue(other.errors.isEmpty(), "B: " + other.errors);
        }
    }

    private void checkViolation(String command, String reasonPattern) throws Exception {
        Map<Integer, String> before = TestSupport.openFds();
        ChildProcess child;
        try (GraphLaunch u = GraphLaunch.start("U", true)) {
            child = u.child;
            // it works as a child until it misbehaves
            assertEquals("fine", u.ask("say fine", "fine"));
            u.send(command);
            // the disconnect may be reported too, before or after: look for the bad message
            ProcessError e = u.awaitError(ProcessError.Kind.BAD_MESSAGE, Duration.ofSeconds(30));
            assertTrue(e != null, "no BAD_MESSAGE after '" + command + "'; errors: " + u.seenErrors());
            System.out.println("untrusted '" + command + "': " + e + "; all errors so far: " + u.seenErrors());
            assertEquals(child, e.process());
            assertTrue(e.reason() != null && e.reason().matches(reasonPattern),
                    "reason '" + e.reason() + "' should say what was violated (" + reasonPattern + ")");
            assertTrue(u.awaitControlClosed(Duration.ofSeconds(10)), "the untrusted child was disconnected");
            // it sees the broker hang up and exits on its own
            assertEquals(0, child.onExit().get(30, TimeUnit.SECONDS), "exit status of the disconnected child");
        }
        TestSupport.assertFdCountReturnsTo(before.size(), before);
    }

    @Test
    void untrustedChildStillTalksToAPeerItWasGivenAPipeToAndReceivesFdsAndPipes(@TempDir Path dir) throws Exception {
        try (GraphLaunch u = GraphLaunch.start("U", true); GraphLaunch b = GraphLaunch.start("B")) {
            // handles towards the untrusted child are fine
            Files.writeString(dir.resolve("f"), "for the untrusted child");
            u.send("read-fd", GraphSupport.fdOf(dir.resolve("f")));
            assertEquals("content for the untrusted child", u.expect("content "));
            // a pipe to B: the introduction it needs is to a node it was given a pipe to
            MessagePipe.Pair ub = MessagePipe.create();
            b.send("echo", ub.end1());
            u.send("ping 200", ub.end0());
            assertEquals("pinged ok", u.expect("pinged "));
            String stats = u.stats();
            assertTrue(GraphSupport.field(stats, "peers") >= 2, "U talks to B directly: " + stats);
            TestSupport.sleep(200);
            assertTrue(u.errors.isEmpty(), "U: " + u.errors);
            assertTrue(b.errors.isEmpty(), "B: " + b.errors);
            assertTrue(!u.controlClosedAt.isDone(), "U is still connected");
        }
    }

    @Test
    void trustedChildAskingForAnUnknownNodeGetsADefinedFailureAndStaysConnected() throws Exception {
        try (GraphLaunch t = GraphLaunch.start("T")) {
            t.send("intro random");
            assertEquals("requested", t.expect("requested", Duration.ofSeconds(10)), "the request returns");
            TestSupport.sleep(1500);
            for (int i = 0; i < 20; i++) {
                assertEquals("after " + i, t.ask("say after " + i, "after "));
            }
            // and it still gets pipes and introductions
            try (GraphLaunch b = GraphLaunch.start("B")) {
                MessagePipe.Pair tb = MessagePipe.create();
                b.send("echo", tb.end1());
                t.send("ping 50", tb.end0());
                assertEquals("pinged ok", t.expect("pinged "));
            }
            assertNull(t.firstError(Duration.ZERO), "no process error for a trusted child's unanswerable request");
            assertTrue(!t.controlClosedAt.isDone(), "T is still connected");
            assertTrue(t.child.isAlive());
        }
    }
}

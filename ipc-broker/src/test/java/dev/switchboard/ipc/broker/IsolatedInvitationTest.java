package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.NamedPlatformChannel;
import dev.switchboard.ipc.PipeClosedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An isolated invitation over a named channel: exactly one pipe, messages and fds both ways. */
class IsolatedInvitationTest {

    @BeforeAll
    static void warmUp() throws Exception {
        try (GraphLaunch l = GraphLaunch.start("warm-up")) {
            l.ask("say x", "x");
        }
    }

    @Test
    void theIsolatedPipeCarriesMessagesAndFdsBothWays(@TempDir Path dir) throws Exception {
        Map<Integer, String> before = TestSupport.openFds();
        NamedPlatformChannel named = NamedPlatformChannel.create();
        ChildProcess child = launchIsolatedChild(named);
        CompletableFuture<ProcessError> error = new CompletableFuture<>();
        MessagePipe pipe = OutgoingInvitation.sendIsolated(child, named, error::complete, Launch.CALLBACKS);
        try {
            // written before the child has even connected: waits, keeps order
            for (int i = 0; i < 100; i++) {
                pipe.write(GraphSupport.numbered(i));
            }
            assertTrue(TestSupport.readText(pipe, GraphLaunch.WAIT).startsWith("hello isolated "), "the child's first message");
            for (int i = 100; i < 1000; i++) {
                pipe.write(GraphSupport.numbered(i));
            }
            for (int i = 0; i < 1000; i++) {
                try (Message m = pipe.read(GraphLaunch.WAIT)) {
                    assertTrue(m != null, "echo " + i + " did not come back");
                    assertEquals(i, GraphSupport.indexOf(m));
                }
            }
            // an fd to the child
            Files.writeString(dir.resolve("f"), "to the isolated child");
            pipe.write(GraphSupport.text("read-fd", GraphSupport.fdOf(dir.resolve("f"))));
            assertEquals("content to the isolated child", TestSupport.readText(pipe, GraphLaunch.WAIT));
            // an fd from the child
            pipe.write(GraphSupport.text("make-fd from the isolated child"));
            try (Message m = pipe.read(GraphLaunch.WAIT)) {
                assertEquals("fd", TestSupport.text(m));
                assertEquals(1, m.handleCount());
                assertEquals("from the isolated child", GraphSupport.contentOf(m.takeHandle(0)));
            }
            assertTrue(!error.isDone(), "no process error: " + error.getNow(null));
        } finally {
            pipe.close();
        }
        // the child sees the pipe close and exits
        assertEquals(0, child.onExit().get(30, TimeUnit.SECONDS));
        named.close();
        TestSupport.assertFdCountReturnsTo(before.size(), before);
    }

    @Test
    void theChildDyingClosesTheIsolatedPipeAndReportsIt() throws Exception {
        NamedPlatformChannel named = NamedPlatformChannel.create();
        ChildProcess child = launchIsolatedChild(named);
        CompletableFuture<ProcessError> error = new CompletableFuture<>();
        MessagePipe pipe = OutgoingInvitation.sendIsolated(child, named, error::complete, Launch.CALLBACKS);
        assertTrue(TestSupport.readText(pipe, GraphLaunch.WAIT).startsWith("hello isolated "));
        child.destroyForcibly();
        assertThrows(PipeClosedException.class, () -> pipe.read(Duration.ofSeconds(10)));
        ProcessError e = error.get(10, TimeUnit.SECONDS);
        assertEquals(ProcessError.Kind.DISCONNECTED, e.kind(), e.reason());
        assertEquals(child, e.process());
        named.close();
    }

    private static ChildProcess launchIsolatedChild(NamedPlatformChannel named) throws java.io.IOException {
        return ChildProcessLauncher.forJava(GraphChildren.Isolated.class)
                .jvmOptions(GraphLaunch.JVM_OPTIONS)
                .passNamedChannel(named)
                .appendOutput(Launch.childLog(GraphChildren.Isolated.class))
                .appendError(Launch.childLog(GraphChildren.Isolated.class))
                .start();
    }
}

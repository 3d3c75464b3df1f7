package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.NamedPlatformChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command-line route: the child connects to a named socket and proves a one-time token. */
class NamedChannelTest {

    @Test
    void strangerWithoutTheTokenIsRefusedAndTheRealChildStillConnects(@TempDir Path dir) throws Exception {
        checkStrangerThenChild(NamedPlatformChannel.Options.DEFAULT, dir);
    }

    @Test
    void abstractNamespaceWorksTheSameWay(@TempDir Path dir) throws Exception {
        checkStrangerThenChild(new NamedPlatformChannel.Options(true, Duration.ofSeconds(30)), dir);
    }

    private void checkStrangerThenChild(NamedPlatformChannel.Options options, Path dir) throws Exception {
        NamedPlatformChannel named = NamedPlatformChannel.create(options);
        OutgoingInvitation inv = new OutgoingInvitation();
        MessagePipe control = inv.attachMessagePipe("control");
        CompletableFuture<ProcessError> error = new CompletableFuture<>();

        // the stranger connects first, before the invitation is even sent
        Path strangerOut = dir.resolve("stranger.out");
        ChildProcess stranger = ChildProcessLauncher.forJava(Stranger.class)
                .args(named.address()).redirectOutput(strangerOut).start();
        TestSupport.awaitTrue(Duration.ofSeconds(30), () -> read(strangerOut).contains("connected"), "the stranger to connect");

        ChildProcess child = ChildProcessLauncher.forJava(Children.Echo.class).passNamedChannel(named).start();
        inv.send(child, named, error::complete, Launch.CALLBACKS);
        control.write(TestSupport.text("hello"));
        assertEquals("hello", TestSupport.readText(control, Duration.ofSeconds(30)));

        assertEquals(0, stranger.onExit().get(30, TimeUnit.SECONDS));
        assertTrue(read(strangerOut).contains("refused"), "the stranger was hung up on");
        assertEquals(1, named.refusedConnections());
        assertTrue(!error.isDone(), "no process error: " + error.getNow(null));
        control.close();
        child.onExit().get(30, TimeUnit.SECONDS);
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }
}

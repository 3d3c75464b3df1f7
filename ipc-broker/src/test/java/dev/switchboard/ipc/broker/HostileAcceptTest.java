package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PipeClosedException;
import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.node.NodeController;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A real child (Python, written from the protocol document) answers the invitation with an ACCEPT
 * that decodes but names the zero id. The parent reports precisely which field was wrong, settles
 * {@code accepted()}, closes every pipe and keeps no descriptor; nothing escapes to a thread.
 */
class HostileAcceptTest {

    @BeforeAll
    static void warmUp() throws Exception {
        try (Launch l = Launch.java(Children.Echo.class, List.of("control"))) {
            l.pipe("control").write(TestSupport.text("warm"));
            TestSupport.readText(l.pipe("control"), Duration.ofSeconds(30));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "accept-zero-node | ACCEPT invitee node is zero",
        "accept-zero-port | ACCEPT port 1 is zero",
    })
    void anAcceptNamingTheZeroIdIsReportedAndCleanedUp(String mode, String reason) throws Exception {
        Map<Integer, String> before = TestSupport.openFds();
        List<String> threadsBefore = ThreadSnapshot.names();
        int portsBefore = NodeController.get().stats().ports();
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        List<Throwable> escaped = new CopyOnWriteArrayList<>();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> escaped.add(e));
        try {
            PlatformChannel channel = PlatformChannel.create();
            PythonChild child = PythonChild.start(channel, mode);
            OutgoingInvitation invitation = new OutgoingInvitation();
            List<MessagePipe> pipes = new ArrayList<>();
            for (String name : List.of("control", "data", "more")) {
                pipes.add(invitation.attachMessagePipe(name));
            }
            CompletableFuture<ProcessError> error = new CompletableFuture<>();
            invitation.send(child.process, channel.takeLocalEndpoint(), error::complete, Launch.CALLBACKS);

            ProcessError e = error.get(30, TimeUnit.SECONDS);
            assertEquals(ProcessError.Kind.MALFORMED, e.kind(), e.reason());
            assertTrue(e.reason().contains(reason), "reason '" + e.reason() + "' should name the field: '" + reason + "'");
            ExecutionException notAccepted = assertThrows(ExecutionException.class, () -> invitation.accepted().get(30, TimeUnit.SECONDS));
            assertTrue(notAccepted.getCause() instanceof InvitationException, String.valueOf(notAccepted.getCause()));
            assertTrue(notAccepted.getCause().getMessage().contains(reason), notAccepted.getCause().getMessage());
            for (MessagePipe p : pipes) {
                assertThrows(PipeClosedException.class, () -> p.read(Duration.ofSeconds(10)), p.name());
                p.close();
            }
            // the child sees the parent hang up
            assertEquals(0, child.process.onExit().get(30, TimeUnit.SECONDS));
            assertTrue(child.output().contains("eof"), child.output());
            TestSupport.assertFdCountReturnsTo(before.size(), before);
            TestSupport.awaitTrue(Duration.ofSeconds(10), () -> NodeController.get().stats().ports() <= portsBefore,
                    "the invitation's ports closed (" + NodeController.get().stats().ports() + " ports, " + portsBefore + " before)");
            ThreadSnapshot.assertReturnsTo(threadsBefore, Duration.ofSeconds(10));
            assertTrue(escaped.isEmpty(), "exceptions escaped: " + escaped);
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
    }
}

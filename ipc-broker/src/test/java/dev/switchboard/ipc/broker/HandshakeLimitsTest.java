package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PipeClosedException;
import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.wire.Limits;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Python children (stdlib only) that connect and then do not complete the invitation handshake
 * (docs/protocol.md §5, §9). Until a child has accepted, its channel takes only handshake-sized
 * frames and no handles, and a child that never accepts is dropped after the handshake timeout.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HandshakeLimitsTest {

    /**
     * argv[1] is the mode. The child writes what the mode says, then reads (the parent's INVITE,
     * unanswered) until the parent hangs up, and exits.
     */
    private static final String CHILD = String.join("\n",
            "import array, os, socket, struct, sys",
            "s = socket.socket(fileno=3)",
            "mode = sys.argv[1]",
            "def header(ftype, handles, length):",
            "    return struct.pack('<IBBHII', 0x44425753, 1, ftype, handles, length, 0)",
            "try:",
            "    if mode == 'large-frame':",
            "        s.sendall(header(0x06, 0, 16 + 43 + (64 << 20)))",
            "    elif mode == 'handle':",
            "        fd = os.open('/dev/null', os.O_RDONLY)",
            "        s.sendmsg([header(0x06, 1, 16 + 20) + bytes(24)], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [fd]))])",
            "    while s.recv(65536): pass",
            "except (BrokenPipeError, ConnectionResetError): pass  # the parent has dropped us: expected",
            "os._exit(0)");

    private static final Limits QUICK_HANDSHAKE = Limits.DEFAULT.withHandshakeTimeout(Duration.ofMillis(300));

    @BeforeAll
    static void warmUp() throws Exception {
        try (Launch l = Launch.java(Children.Echo.class, List.of("control"))) {
            l.pipe("control").write(TestSupport.text("warm"));
            TestSupport.readText(l.pipe("control"), Duration.ofSeconds(30));
        }
        runChild("silent", Limits.DEFAULT.withHandshakeTimeout(Duration.ofMillis(50))); // the spawner's first use
    }

    /** A child that reads the INVITE and never answers: without a timeout it held its channel for good. */
    @Test
    void aChildThatNeverAcceptsIsDroppedAfterTheHandshakeTimeout() throws Exception {
        Map<Integer, String> before = TestSupport.openFds();
        Result r = runChild("silent", QUICK_HANDSHAKE);
        assertEquals(ProcessError.Kind.NOT_CONNECTED, r.error.kind(), r.error.reason());
        assertEquals("the child did not accept the invitation within 300 ms", r.error.reason());
        assertTrue(r.acceptFailure instanceof InvitationException, String.valueOf(r.acceptFailure));
        TestSupport.assertFdCountReturnsTo(before.size(), before);
    }

    /** Before ACCEPT, a frame may be no larger than the largest handshake frame. */
    @Test
    void aLargeFrameBeforeAcceptIsRefusedAtItsHeader() throws Exception {
        Map<Integer, String> before = TestSupport.openFds();
        Result r = runChild("large-frame", Limits.DEFAULT);
        assertEquals(ProcessError.Kind.MALFORMED, r.error.kind(), r.error.reason());
        assertTrue(r.error.reason().endsWith("frame length " + (16 + 43 + (64 << 20)) + " exceeds the limit of "
                + Limits.HANDSHAKE_MAX_FRAME_BYTES + " bytes"), r.error.reason());
        TestSupport.assertFdCountReturnsTo(before.size(), before);
    }

    /** Before ACCEPT, a frame may carry no handles; the one that came is closed. */
    @Test
    void aHandleBeforeAcceptIsRefused() throws Exception {
        Map<Integer, String> before = TestSupport.openFds();
        Result r = runChild("handle", Limits.DEFAULT);
        assertEquals(ProcessError.Kind.MALFORMED, r.error.kind(), r.error.reason());
        assertTrue(r.error.reason().endsWith("frame declares 1 handles, limit is 0"), r.error.reason());
        TestSupport.assertFdCountReturnsTo(before.size(), before);
    }

    /**
     * The invitee's side: an inviter that connects and never sends INVITE. accept() gives up after
     * its timeout and closes the channel; the silent process sees the hang-up and exits.
     */
    @Test
    void anInviteeWaitsForTheInvitationOnlyUntilItsTimeout() throws Exception {
        Map<Integer, String> before = TestSupport.openFds();
        PlatformChannel channel = PlatformChannel.create();
        ChildProcess silentInviter = ChildProcessLauncher.forCommand(List.of("python3", "-c", CHILD))
                .args("silent")
                .passEndpoint(channel.takeRemoteEndpoint())
                .appendOutput(Launch.childLog(HandshakeLimitsTest.class))
                .appendError(Launch.childLog(HandshakeLimitsTest.class))
                .start();
        try {
            IncomingInvitation.Options options = IncomingInvitation.Options.DEFAULT.timeout(Duration.ofMillis(300));
            InvitationException e = assertThrows(InvitationException.class,
                    () -> IncomingInvitation.accept(channel.takeLocalEndpoint(), options));
            assertEquals("no invitation arrived within PT0.3S", e.getMessage());
            assertEquals(0, silentInviter.onExit().get(30, TimeUnit.SECONDS), "the silent inviter saw the hang-up and exited");
            channel.close();
        } finally {
            silentInviter.destroyForcibly();
        }
        TestSupport.assertFdCountReturnsTo(before.size(), before);
    }

    private record Result(ProcessError error, Throwable acceptFailure) {}

    /** Invites a Python child in {@code mode} with one pipe; returns the process error and how accepted() ended. */
    private static Result runChild(String mode, Limits limits) throws Exception {
        PlatformChannel channel = PlatformChannel.create();
        ChildProcess child = ChildProcessLauncher.forCommand(List.of("python3", "-c", CHILD))
                .args(mode)
                .passEndpoint(channel.takeRemoteEndpoint())
                .appendOutput(Launch.childLog(HandshakeLimitsTest.class))
                .appendError(Launch.childLog(HandshakeLimitsTest.class))
                .start();
        try {
            OutgoingInvitation inv = new OutgoingInvitation().limits(limits);
            MessagePipe pipe = inv.attachMessagePipe("control");
            CompletableFuture<ProcessError> error = new CompletableFuture<>();
            inv.send(child, channel.takeLocalEndpoint(), error::complete, Launch.CALLBACKS);
            ProcessError e = error.get(30, TimeUnit.SECONDS);
            Throwable acceptFailure = assertThrows(ExecutionException.class, () -> inv.accepted().get(10, TimeUnit.SECONDS)).getCause();
            assertThrows(PipeClosedException.class, () -> pipe.read(Duration.ofSeconds(5)));
            assertEquals(0, child.onExit().get(30, TimeUnit.SECONDS), "the child saw the parent hang up and exited");
            channel.close();
            return new Result(e, acceptFailure);
        } finally {
            child.destroyForcibly();
        }
    }
}

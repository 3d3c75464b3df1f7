package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.switchboard.ipc.Handle;
import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.NamedPlatformChannel;
import dev.switchboard.ipc.PipeClosedException;
import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.PlatformChannelEndpoint;
import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.node.NodeController;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A peer in another language, written from docs/protocol.md alone (src/test/python/switchboard_peer.py,
 * Python standard library only), runs as a real child: it finds its endpoint from the launch switch,
 * accepts the invitation and echoes bytes and descriptors. If the document missed a fact the peer
 * needs, these tests fail.
 */
class ForeignPeerTest {

    static final Path PEER = Path.of("src", "test", "python", "switchboard_peer.py").toAbsolutePath();
    static final Duration LONG = Duration.ofSeconds(60);

    /** One message of the mix: its bytes and the files whose descriptors ride with it. */
    record Sent(byte[] bytes, List<Path> files) {}

    @BeforeAll
    static void needsPythonAndWarmsUp() throws Exception {
        assumeTrue(python() != null, "python3 is not on the PATH");
        // The first launch and the first named channel open descriptors this JVM keeps (I/O
        // threads, the child reaper, native support): not what the tests count.
        PlatformChannel channel = PlatformChannel.create();
        ChildProcess first = peer().passEndpoint(channel.takeRemoteEndpoint()).start();
        MessagePipe one = OutgoingInvitation.sendIsolated(channel.takeLocalEndpoint(), null, Launch.CALLBACKS);
        NamedPlatformChannel named = NamedPlatformChannel.create();
        ChildProcess second = peer().passNamedChannel(named).start();
        MessagePipe two = OutgoingInvitation.sendIsolated(second, named, null, Launch.CALLBACKS);
        for (MessagePipe p : List.of(one, two)) {
            p.write(TestSupport.text("warm-up"));
            assertEquals("warm-up", TestSupport.readText(p, LONG));
            p.close();
        }
        assertEquals(0, first.onExit().get(60, TimeUnit.SECONDS));
        assertEquals(0, second.onExit().get(60, TimeUnit.SECONDS));
        named.close();
    }

    static String python() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "python3"))) {
                return Path.of(dir, "python3").toString();
            }
        }
        return null;
    }

    static ChildProcessLauncher peer(String... options) throws IOException {
        List<String> command = new ArrayList<>(List.of(python(), PEER.toString()));
        command.addAll(List.of(options));
        Path log = Launch.childLog(ForeignPeerTest.class);
        return ChildProcessLauncher.forCommand(command).appendOutput(log).appendError(log);
    }

    @Test
    void echoesBytesAndDescriptorsInOrderOnEveryPipeThenExitsCleanly(@TempDir Path dir) throws Exception {
        Map<Integer, String> before = TestSupport.openFds();
        int baseline = before.size();
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            Path f = dir.resolve("f" + i);
            Files.writeString(f, "content of file " + i);
            files.add(f);
        }
        List<Sent> mix = List.of(
                new Sent(new byte[0], List.of()),
                new Sent("hello".getBytes(StandardCharsets.UTF_8), List.of()),
                new Sent(pattern(4096, 1), files.subList(0, 1)),
                new Sent(pattern(1 << 20, 2), List.of()),
                new Sent(pattern((1 << 20) + 3, 3), files.subList(1, 4)),
                new Sent(new byte[0], files.subList(4, 5)),
                new Sent(pattern(7, 4), files.subList(5, 65)), // 60, the most one frame may carry
                new Sent(pattern(65_536, 5), files.subList(65, 67)),
                new Sent(pattern(100, 6), files.subList(67, 80)));

        PlatformChannel channel = PlatformChannel.create();
        ChildProcess child = peer().passEndpoint(channel.takeRemoteEndpoint()).start();
        OutgoingInvitation inv = new OutgoingInvitation();
        MessagePipe echo = inv.attachMessagePipe("echo");
        MessagePipe other = inv.attachMessagePipe("other");
        CompletableFuture<ProcessError> error = new CompletableFuture<>();
        inv.send(child, channel.takeLocalEndpoint(), error::complete, Launch.CALLBACKS);

        // On two pipes, interleaved; the first round is written before the child accepts. A round
        // at a time: unread echoes of one pipe holding over 256 descriptors would pause the
        // channel, and so the other pipe, until this test read them (inbound flow control).
        for (int round = 0; round < 3; round++) {
            for (Sent s : mix) {
                echo.write(message(s));
                other.write(message(new Sent(reversed(s.bytes()), s.files())));
            }
            for (Sent s : mix) {
                expectEcho(echo, s);
                expectEcho(other, new Sent(reversed(s.bytes()), s.files()));
            }
        }
        // a socket end travels too: what is written into the echoed descriptor comes out of our end
        PlatformChannel socket = PlatformChannel.create();
        echo.write(Message.of("socket".getBytes(StandardCharsets.UTF_8), socket.takeRemoteEndpoint().takeHandle()));
        try (Message m = echo.read(LONG);
             PlatformChannelEndpoint mine = socket.takeLocalEndpoint()) {
            assertNotNull(m, "the socket message came back");
            assertEquals("socket", new String(m.bytes(), StandardCharsets.UTF_8));
            assertEquals(1, m.handleCount());
            try (FileOutputStream out = new FileOutputStream(m.handles().get(0).toFileDescriptor());
                 FileInputStream in = new FileInputStream(mine.handle().toFileDescriptor())) {
                byte[] want = "through the echoed end".getBytes(StandardCharsets.UTF_8);
                out.write(want);
                byte[] got = new byte[want.length];
                for (int n = 0; n < got.length; ) {
                    int r = in.read(got, n, got.length - n); // a socket: no readNBytes, which seeks on JDK 17
                    assertTrue(r > 0, "end of stream on our end of the travelled socket");
                    n += r;
                }
                assertArrayEquals(want, got);
            }
        }

        echo.close();
        other.close();
        assertEquals(0, child.onExit().get(60, TimeUnit.SECONDS), "the peer closes its ports and exits 0 when ours close");
        assertFalse(error.isDone(), "a clean exit after the pipes closed is no process error: " + error.getNow(null));
        TestSupport.assertFdCountReturnsTo(baseline, before);
    }

    @Test
    void everyEchoArrivesBeforePeerClosedWhenThePeerIsKilled(@TempDir Path dir) throws Exception {
        Map<Integer, String> before = TestSupport.openFds();
        int baseline = before.size();
        int count = 40;
        List<Sent> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            List<Path> fds = new ArrayList<>();
            for (int j = 0; j < i % 4; j++) {
                Path f = dir.resolve("k" + i + "-" + j);
                Files.writeString(f, "file " + i + "/" + j);
                fds.add(f);
            }
            sent.add(new Sent(pattern(i % 10 == 9 ? 300_000 : i * 13, i), fds));
        }
        PlatformChannel channel = PlatformChannel.create();
        ChildProcess child = peer("--exit-after=" + count).passEndpoint(channel.takeRemoteEndpoint()).start();
        OutgoingInvitation inv = new OutgoingInvitation();
        MessagePipe echo = inv.attachMessagePipe("echo");
        CompletableFuture<ProcessError> error = new CompletableFuture<>();
        inv.send(child, channel.takeLocalEndpoint(), error::complete, Launch.CALLBACKS);
        for (Sent s : sent) {
            echo.write(message(s));
        }

        assertEquals(128 + 9, child.onExit().get(60, TimeUnit.SECONDS), "the peer killed itself with SIGKILL");
        TestSupport.awaitTrue(LONG, echo::isPeerClosed, "peer-closed after the kill");
        for (Sent s : sent) {
            expectEcho(echo, s); // all of them, although peer-closed is already known
        }
        assertThrows(PipeClosedException.class, () -> echo.read(Duration.ofSeconds(5)));
        assertEquals(ProcessError.Kind.DISCONNECTED, error.get(30, TimeUnit.SECONDS).kind(),
                "a peer that dies with a pipe open is reported");
        echo.close();
        TestSupport.assertFdCountReturnsTo(baseline, before);
    }

    @Test
    void aPipeEndSentToThePeerIsClosedThereAndItsOtherEndSeesPeerClosed() throws Exception {
        Map<Integer, String> before = TestSupport.openFds();
        int baseline = before.size();
        PlatformChannel channel = PlatformChannel.create();
        ChildProcess child = peer().passEndpoint(channel.takeRemoteEndpoint()).start();
        OutgoingInvitation inv = new OutgoingInvitation();
        MessagePipe echo = inv.attachMessagePipe("echo");
        inv.send(child, channel.takeLocalEndpoint(), null, Launch.CALLBACKS);

        MessagePipe.Pair pair = MessagePipe.create();
        pair.end1().write(TestSupport.text("queued in the end that travels"));
        echo.write(Message.of("with a pipe".getBytes(StandardCharsets.UTF_8), pair.end0()));
        try (Message m = echo.read(LONG)) {
            assertNotNull(m, "the echo came back");
            assertEquals("with a pipe", TestSupport.text(m));
            assertEquals(0, m.pipeCount(), "the peer keeps no pipe ends");
        }
        TestSupport.awaitTrue(LONG, pair.end1()::isPeerClosed, "the travelled end to be closed by the peer");
        assertThrows(PipeClosedException.class, () -> pair.end1().read(Duration.ofSeconds(5)));
        pair.end1().close();
        echo.close();
        assertEquals(0, child.onExit().get(60, TimeUnit.SECONDS));
        TestSupport.assertFdCountReturnsTo(baseline, before);
    }

    @Test
    void thePeerFollowsItsPipeEndThroughAnotherProcessAndBack() throws Exception {
        Map<Integer, String> before = TestSupport.openFds();
        int baseline = before.size();
        PlatformChannel channel = PlatformChannel.create();
        ChildProcess child = peer().passEndpoint(channel.takeRemoteEndpoint()).start();
        OutgoingInvitation inv = new OutgoingInvitation();
        MessagePipe echo = inv.attachMessagePipe("echo");
        inv.send(child, channel.takeLocalEndpoint(), null, Launch.CALLBACKS);
        echo.write(TestSupport.text("before the trip"));
        assertEquals("before the trip", TestSupport.readText(echo, LONG));

        // The Java echo child sends our end straight back: it becomes a proxy there and here, and
        // the Python peer must follow (UPDATE_PREVIOUS, OBSERVE_PROXY, introductions to the child).
        MessagePipe end = echo;
        try (Launch java = Launch.java(Children.Echo.class, List.of("control"))) {
            for (int trip = 0; trip < 5; trip++) {
                for (int i = 0; i < 20; i++) {
                    end.write(TestSupport.text("trip " + trip + " message " + i));
                }
                java.pipe("control").write(Message.of(new byte[] {(byte) trip}, end));
                try (Message back = java.pipe("control").read(LONG)) {
                    assertNotNull(back, "our end came back from the Java child");
                    end = back.takePipe(0);
                }
                for (int i = 0; i < 20; i++) {
                    assertEquals("trip " + trip + " message " + i, TestSupport.readText(end, LONG));
                }
                end.write(TestSupport.text("after trip " + trip));
                assertEquals("after trip " + trip, TestSupport.readText(end, LONG));
            }
            end.close();
            assertEquals(0, child.onExit().get(60, TimeUnit.SECONDS));
        }
        TestSupport.assertFdCountReturnsTo(baseline, before);
    }

    /**
     * The other end of the peer's pipe moves to a Java child, which talks to the peer over an
     * introduced channel and is then killed: the peer hears of it by end of stream and by NODE_LOST
     * (in either order), sees its pipe's peer closed, and exits cleanly.
     */
    @Test
    void whenTheProcessHoldingTheOtherEndDiesThePeerSeesItClosedAndExits() throws Exception {
        Map<Integer, String> before = TestSupport.openFds();
        int baseline = before.size();
        PlatformChannel channel = PlatformChannel.create();
        ChildProcess child = peer().passEndpoint(channel.takeRemoteEndpoint()).start();
        OutgoingInvitation inv = new OutgoingInvitation();
        MessagePipe echo = inv.attachMessagePipe("echo");
        inv.send(child, channel.takeLocalEndpoint(), null, Launch.CALLBACKS);
        echo.write(TestSupport.text("hello"));
        assertEquals("hello", TestSupport.readText(echo, LONG));
        try (Launch holder = Launch.java(Holder.class, List.of("control"))) {
            holder.pipe("control").write(Message.of(new byte[0], echo));
            assertEquals("holding: from the holder", TestSupport.readText(holder.pipe("control"), LONG));
            assertFalse(child.onExit().isDone(), "the peer keeps its pipe while the holder lives");
            holder.child.destroyForcibly();
            holder.child.onExit().get(60, TimeUnit.SECONDS);
            assertEquals(0, child.onExit().get(60, TimeUnit.SECONDS), "the peer closes its lost pipe and exits");
        }
        TestSupport.assertFdCountReturnsTo(baseline, before);
    }

    /** Takes a pipe end from "control", talks once over it, reports, and waits to be killed. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            IncomingInvitation invitation = IncomingInvitation.accept();
            MessagePipe control = invitation.extractMessagePipe("control");
            MessagePipe held;
            try (Message m = control.read(LONG)) {
                held = m.takePipe(0);
            }
            held.write(TestSupport.text("from the holder"));
            control.write(TestSupport.text("holding: " + TestSupport.readText(held, LONG)));
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    /**
     * Invited by a Java child that is not the broker: the peer gets BROKER_CHANNEL from its inviter
     * and talks to this process (the broker) over it once its pipe's other end has moved here.
     */
    @Test
    void invitedByAProcessThatIsNotTheBrokerThePeerUsesItsBrokerChannel() throws Exception {
        Map<Integer, String> before = TestSupport.openFds();
        int baseline = before.size();
        try (Launch middle = Launch.java(Middle.class, List.of("control"))) {
            MessagePipe end;
            try (Message m = middle.pipe("control").read(LONG)) {
                assertNotNull(m, "the middle process hands over its end of the peer's pipe");
                assertEquals("via middle", TestSupport.text(m));
                end = m.takePipe(0);
            }
            for (int i = 0; i < 10; i++) {
                Sent s = new Sent(pattern(i * 1000, i), List.of());
                end.write(message(s));
                expectEcho(end, s);
            }
            end.close();
            assertEquals("peer exited 0", TestSupport.readText(middle.pipe("control"), LONG));
        }
        TestSupport.assertFdCountReturnsTo(baseline, before);
    }

    /** The middle process of the test above: invites the Python peer, then gives its pipe end to its own parent. */
    public static final class Middle {
        public static void main(String[] args) throws Exception {
            IncomingInvitation invitation = IncomingInvitation.accept();
            MessagePipe control = invitation.extractMessagePipe("control");
            PlatformChannel channel = PlatformChannel.create();
            ChildProcess python = peer().passEndpoint(channel.takeRemoteEndpoint()).start();
            OutgoingInvitation out = new OutgoingInvitation();
            MessagePipe echo = out.attachMessagePipe("echo");
            out.send(python, channel.takeLocalEndpoint());
            echo.write(TestSupport.text("via middle"));
            String back = TestSupport.readText(echo, LONG);
            control.write(Message.of(back.getBytes(StandardCharsets.UTF_8), echo));
            int status = python.onExit().get(60, TimeUnit.SECONDS);
            control.write(TestSupport.text("peer exited " + status));
            Children.awaitPeerClosed(control);
        }
    }

    @Test
    void namedChannelInFileAndAbstractNamespace(@TempDir Path dir) throws Exception {
        for (boolean abstractName : new boolean[] {false, true}) {
            Map<Integer, String> before = TestSupport.openFds();
            int baseline = before.size();
            NamedPlatformChannel named = NamedPlatformChannel.create(new NamedPlatformChannel.Options(abstractName, LONG));
            ChildProcess child = peer().passNamedChannel(named).start();
            OutgoingInvitation inv = new OutgoingInvitation();
            MessagePipe echo = inv.attachMessagePipe("echo");
            inv.send(child, named, null, Launch.CALLBACKS);
            Path f = dir.resolve("named-" + abstractName);
            Files.writeString(f, "over a named channel");
            Sent s = new Sent(pattern(5000, 9), List.of(f));
            echo.write(message(s));
            expectEcho(echo, s);
            echo.close();
            assertEquals(0, child.onExit().get(60, TimeUnit.SECONDS), "abstract=" + abstractName);
            named.close();
            TestSupport.assertFdCountReturnsTo(baseline, before);
        }
    }

    @Test
    void isolatedInvitationsOverAnInheritedAndANamedChannel() throws Exception {
        Map<Integer, String> before = TestSupport.openFds();
        int baseline = before.size();

        PlatformChannel channel = PlatformChannel.create();
        ChildProcess first = peer().passEndpoint(channel.takeRemoteEndpoint()).start();
        MessagePipe one = OutgoingInvitation.sendIsolated(channel.takeLocalEndpoint(), null, Launch.CALLBACKS);

        NamedPlatformChannel named = NamedPlatformChannel.create();
        ChildProcess second = peer().passNamedChannel(named).start();
        MessagePipe two = OutgoingInvitation.sendIsolated(second, named, null, Launch.CALLBACKS);

        one.write(TestSupport.text("isolated, inherited"));
        two.write(TestSupport.text("isolated, named"));
        assertEquals("isolated, inherited", TestSupport.readText(one, LONG));
        assertEquals("isolated, named", TestSupport.readText(two, LONG));
        one.close();
        two.close();
        assertEquals(0, first.onExit().get(60, TimeUnit.SECONDS));
        assertEquals(0, second.onExit().get(60, TimeUnit.SECONDS));
        named.close();
        TestSupport.assertFdCountReturnsTo(baseline, before);
    }

    // ---------------------------------------------------------------------------------- helpers

    static byte[] pattern(int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (seed * 131 + i * 7 + (i >>> 9));
        }
        return b;
    }

    static byte[] reversed(byte[] b) {
        byte[] r = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            r[i] = b[b.length - 1 - i];
        }
        return r;
    }

    static Message message(Sent s) throws IOException {
        List<Handle> handles = new ArrayList<>();
        for (Path f : s.files()) {
            try (FileInputStream in = new FileInputStream(f.toFile())) {
                handles.add(PlatformHandle.duplicateOf(in.getFD()));
            }
        }
        return Message.of(s.bytes(), handles);
    }

    /** The next message on {@code pipe} is {@code s}: the same bytes, and descriptors of the same files, in order. */
    static void expectEcho(MessagePipe pipe, Sent s) throws Exception {
        try (Message m = pipe.read(LONG)) {
            assertNotNull(m, () -> pipe + ": no echo within " + LONG + "; channels:\n" + NodeController.get().describeChannels()
                    + NodeController.get().node().describe());
            assertArrayEquals(s.bytes(), m.bytes(), "echoed bytes");
            assertEquals(s.files().size(), m.handleCount(), "echoed descriptors");
            for (int i = 0; i < s.files().size(); i++) {
                Path link = Path.of("/proc/self/fd/" + m.handles().get(i).value());
                assertEquals(s.files().get(i).toRealPath(), Files.readSymbolicLink(link), "descriptor " + i + " names the file sent");
                assertEquals(Files.readString(s.files().get(i)), Files.readString(link), "descriptor " + i + " reads the file's content");
            }
        }
    }
}

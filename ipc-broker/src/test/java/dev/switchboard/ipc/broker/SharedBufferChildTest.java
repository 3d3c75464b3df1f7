package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PipeClosedException;
import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.SharedBuffer;
import dev.switchboard.ipc.SharedMapping;
import dev.switchboard.ipc.wire.SharedMemoryLimits;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Shared buffers between real processes: a Java child, and a Python peer that is honest or lies. */
class SharedBufferChildTest {

    static final Duration LONG = Duration.ofSeconds(60);

    /** The first launches create process-wide singletons (I/O loop, reaper, JNA); keep them out of the leak counts. */
    @BeforeAll
    static void warmUp() throws Exception {
        try (Launch l = Launch.java(Children.Echo.class, List.of("control"))) {
            try (SharedBuffer b = SharedBuffer.create(4096); SharedMapping m = b.map()) {
                l.pipe("control").write(Message.of(new byte[0], b.readOnlyCopy()));
                Message back = l.pipe("control").read(LONG);
                back.close();
            }
        }
        if (ForeignPeerTest.python() != null) {
            peerRoundTrip("read-only").close();
        }
    }

    @Test
    void aReadOnlyCopyInARealChildCannotBeWrittenAndShowsTheParentsWrites() throws Exception {
        Map<Integer, String> before = TestSupport.openFds();
        try (Launch l = Launch.java(SharedBufferChildren.ReadOnlyReceiver.class, List.of("control"));
                SharedBuffer buf = SharedBuffer.create(16 * 4096);
                SharedMapping writer = buf.map()) {
            MessagePipe control = l.pipe("control");
            writer.buffer().put(0, "parent-1".getBytes(StandardCharsets.US_ASCII));
            control.write(Message.of(new byte[0], buf.readOnlyCopy()));
            assertEquals("refused all read parent-1", TestSupport.readText(control, LONG),
                    "the child wrote through a route the kernel should refuse");
            writer.buffer().put(0, "parent-2".getBytes(StandardCharsets.US_ASCII));
            control.write(TestSupport.text("again"));
            assertEquals("read parent-2", TestSupport.readText(control, LONG), "the child sees the parent's later writes");
            assertEquals(0, l.child.onExit().get(60, TimeUnit.SECONDS));
            assertEquals("parent-2", ascii(writer, 8), "nothing the child tried changed the memory");
        }
        TestSupport.assertFdCountReturnsTo(before.size(), before);
    }

    @Test
    void aBufferTravelsToAChildAndBackWithItsModeAndSize() throws Exception {
        Map<Integer, String> before = TestSupport.openFds();
        try (Launch l = Launch.java(Children.Echo.class, List.of("control"));
                SharedBuffer buf = SharedBuffer.create(3 * 4096 + 5);
                SharedMapping writer = buf.map()) {
            writer.buffer().put(3 * 4096, (byte) 77);
            l.pipe("control").write(Message.of("two".getBytes(StandardCharsets.UTF_8), buf.duplicate(), buf.readOnlyCopy()));
            try (Message back = l.pipe("control").read(LONG)) {
                assertEquals(2, back.sharedBufferCount());
                assertEquals(0, back.handleCount());
                SharedBuffer rw = back.sharedBuffers().get(0);
                SharedBuffer ro = back.sharedBuffers().get(1);
                assertEquals(3 * 4096 + 5, rw.size());
                assertEquals(3 * 4096 + 5, ro.size());
                assertTrue(!rw.isReadOnly() && ro.isReadOnly());
                try (SharedMapping sealed = rw.map()) {
                    assertTrue(sealed.isReadOnly(), "the read-only copy sealed the region: later mappings are read-only everywhere");
                }
                try (SharedMapping m = ro.map(3 * 4096, 5)) {
                    assertEquals(77, m.buffer().get(0));
                    writer.buffer().put(3 * 4096 + 1, (byte) 78);
                    assertEquals(78, m.buffer().get(1));
                }
            }
        }
        TestSupport.assertFdCountReturnsTo(before.size(), before);
    }

    @Test
    void aPeerWrittenFromTheProtocolDocumentSendsAReadOnlyBuffer() throws Exception {
        assumeTrue(ForeignPeerTest.python() != null, "python3 is not on the PATH");
        Map<Integer, String> before = TestSupport.openFds();
        try (Message m = peerRoundTrip("read-only")) {
            assertEquals(1, m.sharedBufferCount());
            assertEquals("shared", new String(m.bytes(), StandardCharsets.UTF_8));
            SharedBuffer b = m.sharedBuffers().get(0);
            assertTrue(b.isReadOnly());
            assertEquals(4096, b.size());
            try (SharedMapping map = b.map()) {
                assertTrue(map.isReadOnly());
                assertEquals("from python", ascii(map, 11));
            }
        }
        TestSupport.assertFdCountReturnsTo(before.size(), before);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "unsealed              | its size is not sealed",
        "truncated             | its size is not sealed (shrink unsealed)",
        "smaller               | it claims 8192 bytes but the file has 4096",
        "writable-as-read-only | it claims to be read-only but is not sealed against writing",
        "not-memfd             | is not a sealable shared-memory file",
    })
    void aPeerThatLiesAboutABufferIsDroppedBeforeAnythingIsMapped(String kind, String reason) throws Exception {
        assumeTrue(ForeignPeerTest.python() != null, "python3 is not on the PATH");
        Map<Integer, String> before = TestSupport.openFds();
        PlatformChannel channel = PlatformChannel.create();
        ChildProcess child = ForeignPeerTest.peer("--shared-buffer=" + kind).passEndpoint(channel.takeRemoteEndpoint()).start();
        OutgoingInvitation inv = new OutgoingInvitation();
        MessagePipe pipe = inv.attachMessagePipe("p");
        CompletableFuture<ProcessError> error = new CompletableFuture<>();
        inv.send(child, channel.takeLocalEndpoint(), error::complete, Launch.CALLBACKS);
        pipe.write(TestSupport.text("send me a buffer"));
        ProcessError e = error.get(60, TimeUnit.SECONDS);
        assertEquals(ProcessError.Kind.BAD_MESSAGE, e.kind(), e.reason());
        assertTrue(e.reason().contains(reason), "reason '" + e.reason() + "' should mention '" + reason + "'");
        assertThrows(PipeClosedException.class, () -> pipe.read(LONG), "nothing is delivered from a lying peer");
        pipe.close();
        child.destroyForcibly();
        child.onExit().get(60, TimeUnit.SECONDS);
        TestSupport.assertFdCountReturnsTo(before.size(), before);
    }

    @Test
    void aChildGetsBuffersFromTheBrokerOverItsNodeChannel() throws Exception {
        Map<Integer, String> before = TestSupport.openFds();
        try (Launch l = Launch.java(SharedBufferChildren.BrokerAllocator.class, List.of("control"), "send", "4096", "100000")) {
            MessagePipe control = l.pipe("control");
            for (long size : new long[] {4096, 100000}) {
                try (Message m = control.read(LONG); SharedBuffer b = m.takeSharedBuffer(0); SharedMapping map = b.map()) {
                    assertEquals(size, b.size());
                    assertEquals("child", ascii(map, 5), "the child wrote into the broker's buffer");
                }
            }
            assertEquals("results ok ok", TestSupport.readText(control, LONG));
            control.write(TestSupport.text("bye"));
            assertEquals(0, l.child.onExit().get(60, TimeUnit.SECONDS));
        }
        TestSupport.assertFdCountReturnsTo(before.size(), before);
    }

    @Test
    void aGrandchildWhoseInviterIsNotTheBrokerGetsBuffersFromTheBroker() throws Exception {
        Map<Integer, String> before = TestSupport.openFds();
        try (Launch l = Launch.java(SharedBufferChildren.MiddleInviter.class, List.of("control"), "8192")) {
            MessagePipe grandchild;
            try (Message m = l.pipe("control").read(LONG)) {
                grandchild = m.takePipe(0);
            }
            try (Message m = grandchild.read(LONG); SharedBuffer b = m.takeSharedBuffer(0); SharedMapping map = b.map()) {
                assertEquals(8192, b.size());
                assertEquals("child", ascii(map, 5));
            }
            assertEquals("results ok", TestSupport.readText(grandchild, LONG));
            grandchild.write(TestSupport.text("bye"));
            grandchild.close();
            l.pipe("control").close();
            assertEquals(0, l.child.onExit().get(60, TimeUnit.SECONDS));
        }
        TestSupport.assertFdCountReturnsTo(before.size(), before);
    }

    @Test
    void anUntrustedChildsRequestsAreBoundedByAQuotaAndARefusalIsNoDisconnect() throws Exception {
        Map<Integer, String> before = TestSupport.openFds();
        SharedMemoryLimits.install(SharedMemoryLimits.DEFAULT.withUntrustedQuota(10_000, 3));
        try {
            PlatformChannel channel = PlatformChannel.create();
            ChildProcess child = ChildProcessLauncher.forJava(SharedBufferChildren.BrokerAllocator.class)
                    .jvmOptions("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
                    .passEndpoint(channel.takeRemoteEndpoint())
                    .args("keep", "4096", "4096", "4096", "100", "1", String.valueOf(2L << 30))
                    .appendOutput(Launch.childLog(SharedBufferChildren.BrokerAllocator.class))
                    .appendError(Launch.childLog(SharedBufferChildren.BrokerAllocator.class))
                    .start();
            OutgoingInvitation inv = new OutgoingInvitation().untrustedProcess();
            MessagePipe control = inv.attachMessagePipe("control");
            CompletableFuture<ProcessError> error = new CompletableFuture<>();
            inv.send(child, channel.takeLocalEndpoint(), error::complete, Launch.CALLBACKS);
            // 4096 + 4096 fit 10,000 bytes; a third 4096 does not; 100 does, as the third buffer;
            // a fourth is over the count whatever its size; 2 GiB is over the size any buffer may have
            assertEquals("results ok ok QUOTA_BYTES ok QUOTA_COUNT BUFFER_SIZE", TestSupport.readText(control, LONG));
            control.write(TestSupport.text("bye"));
            assertEquals(0, child.onExit().get(60, TimeUnit.SECONDS));
            control.close();
            assertTrue(!error.isDone() || error.get().kind() == ProcessError.Kind.DISCONNECTED,
                    () -> "refusals are answers, not errors: " + error.join());
        } finally {
            SharedMemoryLimits.install(SharedMemoryLimits.DEFAULT);
        }
        TestSupport.assertFdCountReturnsTo(before.size(), before);
    }

    @Test
    void anUntrustedChildThatGoesOnAskingAfterTooManyRefusalsIsDropped() throws Exception {
        Map<Integer, String> before = TestSupport.openFds();
        SharedMemoryLimits.install(SharedMemoryLimits.DEFAULT.withUntrustedQuota(0, 0));
        try {
            PlatformChannel channel = PlatformChannel.create();
            ChildProcess child = ChildProcessLauncher.forJava(SharedBufferChildren.QuotaFlood.class)
                    .jvmOptions("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
                    .passEndpoint(channel.takeRemoteEndpoint())
                    .args("4096", "5000")
                    .appendOutput(Launch.childLog(SharedBufferChildren.QuotaFlood.class))
                    .appendError(Launch.childLog(SharedBufferChildren.QuotaFlood.class))
                    .start();
            OutgoingInvitation inv = new OutgoingInvitation().untrustedProcess();
            MessagePipe control = inv.attachMessagePipe("control");
            CompletableFuture<ProcessError> error = new CompletableFuture<>();
            inv.send(child, channel.takeLocalEndpoint(), error::complete, Launch.CALLBACKS);
            ProcessError e = error.get(60, TimeUnit.SECONDS);
            assertEquals(ProcessError.Kind.BAD_MESSAGE, e.kind(), e.reason());
            assertTrue(e.reason().contains("asked for shared memory 1024 times more after it was refused"), e.reason());
            assertEquals(0, child.onExit().get(60, TimeUnit.SECONDS), "the child saw its channel to the broker close");
            control.close();
        } finally {
            SharedMemoryLimits.install(SharedMemoryLimits.DEFAULT);
        }
        TestSupport.assertFdCountReturnsTo(before.size(), before);
    }

    /** Launches the Python peer answering with a {@code kind} buffer, and returns its answer to one message. */
    private static Message peerRoundTrip(String kind) throws Exception {
        PlatformChannel channel = PlatformChannel.create();
        ChildProcess child = ForeignPeerTest.peer("--shared-buffer=" + kind).passEndpoint(channel.takeRemoteEndpoint()).start();
        OutgoingInvitation inv = new OutgoingInvitation();
        MessagePipe pipe = inv.attachMessagePipe("p");
        inv.send(child, channel.takeLocalEndpoint(), e -> { }, Launch.CALLBACKS);
        pipe.write(TestSupport.text("send me a buffer"));
        Message m = pipe.read(LONG);
        pipe.close();
        assertEquals(0, child.onExit().get(60, TimeUnit.SECONDS));
        return m;
    }

    private static String ascii(SharedMapping map, int n) {
        byte[] b = new byte[n];
        map.buffer().get(0, b);
        return new String(b, StandardCharsets.US_ASCII);
    }
}

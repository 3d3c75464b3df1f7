package dev.switchboard.ipc.typed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.pickle.PickleException.Reason;
import dev.switchboard.ipc.typed.TestMessages.ChildProcessMsg.HistogramData;
import dev.switchboard.ipc.typed.TestMessages.ChildProcessMsg.Paint;
import dev.switchboard.ipc.typed.TestMessages.ChildProcessMsg.Ping;
import dev.switchboard.ipc.typed.TestMessages.ChildProcessMsg.Seq;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A peer that writes raw bytes into the pipe: whatever it sends that is not a valid typed message
 * ends in one bad-message report naming the type, its handles are closed, and the channel goes
 * on with the next message.
 */
class BadMessageTest {

    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    private final MessagePipe.Pair pair = MessagePipe.create();
    private final MessagePipe raw = pair.end0();
    private final BlockingQueue<BadMessage> reports = new LinkedBlockingQueue<>();
    private final BlockingQueue<Object> handled = new LinkedBlockingQueue<>();

    @AfterEach
    void stop() throws InterruptedException {
        raw.close();
        executor.shutdownNow();
        executor.awaitTermination(10, TimeUnit.SECONDS);
    }

    private IpcChannel channel() {
        IpcListener map = MessageMap.builder()
                .on(Seq.class, handled::add)
                .onIncoming(HistogramData.class, (h, m) -> m.reportBadMessage("histogram " + h.name() + " is not allowed"))
                .onBadMessage(reports::add)
                .unhandledError()
                .build();
        return IpcChannel.over(pair.end1(), Channels.TYPES, map, executor);
    }

    private BadMessage nextReport() throws InterruptedException {
        BadMessage r = reports.poll(30, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no report within 30 s");
        }
        return r;
    }

    private void assertStillWorks(int n) throws InterruptedException {
        raw.write(MessageCodec.encodeRequest(Channels.TYPES, MessageRouter.CONTROL, new Seq(n), 0, 0));
        assertEquals(new Seq(n), handled.poll(30, TimeUnit.SECONDS));
    }

    @Test
    void everyKindOfBadInputIsReportedOnceAndTheChannelGoesOn() throws Exception {
        int paint = Channels.TYPES.typeIdOf(Paint.class);
        int ping = Channels.TYPES.typeIdOf(Ping.class);
        try (IpcChannel c = channel()) {
            // truncated body
            raw.write(Message.of(HostileBytes.header(paint).i32(1).bytes()));
            BadMessage r = nextReport();
            assertEquals(BadMessage.Kind.MALFORMED, r.kind());
            assertEquals(Reason.TRUNCATED, r.pickleReason());
            assertEquals(paint, r.typeId());
            assertTrue(r.reason().startsWith("ChildProcess.Paint: "), r.reason());
            assertStillWorks(1);

            // a type this side never declared
            raw.write(Message.of(HostileBytes.header(0x0bad_0007).i32(0).bytes()));
            r = nextReport();
            assertEquals(BadMessage.Kind.UNKNOWN_TYPE, r.kind());
            assertTrue(r.reason().contains("0xbad0007"), r.reason());
            assertStillWorks(2);

            // a reply nobody asked for
            raw.write(MessageCodec.encodeReply(Channels.TYPES, MessageRouter.CONTROL, ping, 777, 5));
            r = nextReport();
            assertEquals(BadMessage.Kind.UNEXPECTED_REPLY, r.kind());
            assertTrue(r.reason().contains("ChildProcess.Ping") && r.reason().contains("777"), r.reason());
            assertStillWorks(3);

            // a well-formed message nobody handles, with unhandledError()
            raw.write(MessageCodec.encodeRequest(Channels.TYPES, MessageRouter.CONTROL, new Paint(new TestMessages.Rect(0, 0, 1, 1)), 0, 0));
            r = nextReport();
            assertEquals(BadMessage.Kind.UNHANDLED, r.kind());
            assertTrue(r.reason().contains("ChildProcess.Paint"), r.reason());
            assertStillWorks(4);

            // a handler that finds the content unacceptable
            raw.write(MessageCodec.encodeRequest(Channels.TYPES, MessageRouter.CONTROL, new HistogramData("evil", List.of()), 0, 0));
            r = nextReport();
            assertEquals(BadMessage.Kind.REPORTED, r.kind());
            assertEquals("ChildProcess.HistogramData: histogram evil is not allowed", r.reason());
            assertStillWorks(5);
            assertTrue(reports.isEmpty(), "one report per bad message: " + reports);
        }
    }

    @Test
    void everyTruncationOfAValidMessageIsOneReport() throws Exception {
        byte[] valid = MessageCodec.encodeRequest(Channels.TYPES, MessageRouter.CONTROL,
                new HistogramData("startup", List.of(1L, 2L, 3L)), 0, 0).bytes();
        try (IpcChannel c = channel()) {
            for (int len = 0; len < valid.length; len++) {
                raw.write(Message.of(java.util.Arrays.copyOf(valid, len)));
            }
            for (int len = 0; len < valid.length; len++) {
                BadMessage r = nextReport();
                assertTrue(r.kind() == BadMessage.Kind.MALFORMED, r.toString());
            }
            assertStillWorks(7);
            assertTrue(reports.isEmpty(), "one report per bad message: " + reports);
        }
    }

    @Test
    void handlesOfAMalformedMessageAreClosed() throws Exception {
        int handles = Channels.TYPES.typeIdOf(TestMessages.EverythingMsg.Handles.class);
        try (IpcChannel c = channel()) {
            PlatformHandle h1 = LedgerTransport.newHandle();
            PlatformHandle h2 = LedgerTransport.newHandle();
            long v1 = h1.value();
            long v2 = h2.value();
            // claims handle 0 twice
            raw.write(Message.of(HostileBytes.header(handles).i32(1).i32(0).i32(0).i32(0).bytes(), h1, h2));
            BadMessage r = nextReport();
            assertEquals(Reason.BAD_HANDLE, r.pickleReason());
            assertFalse(LedgerTransport.isOpen(v1));
            assertFalse(LedgerTransport.isOpen(v2));
            assertStillWorks(6);
        }
    }

    @Test
    void aSyncRequestNobodyHandlesIsReportedAndStillAnswered() throws Exception {
        int ping = Channels.TYPES.typeIdOf(Ping.class);
        try (IpcChannel c = channel()) {
            raw.write(MessageCodec.encodeRequest(Channels.TYPES, MessageRouter.CONTROL, new Ping(1, "x"),
                    MessageHeader.SYNC | MessageHeader.EXPECTS_REPLY, 41));
            assertEquals(BadMessage.Kind.UNHANDLED, nextReport().kind());
            Message reply = raw.read(java.time.Duration.ofSeconds(30));
            DecodedMessage d = MessageCodec.decode(Channels.TYPES, reply.bytes(), List.of(), List.of());
            assertEquals(new MessageHeader(MessageRouter.CONTROL, ping, MessageHeader.REPLY | MessageHeader.REPLY_ERROR, 41), d.header());
            assertTrue(((String) d.body()).contains("no handler"), (String) d.body());
        }
    }
}

package dev.switchboard.ipc.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.spi.CloseReason;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.Id128;
import dev.switchboard.ipc.wire.Limits;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NodeChannelTest {

    private final InMemoryTransport t = new InMemoryTransport();

    /** Control handler that records how the channel closed. */
    static final class Recorder implements NodeChannel.ControlHandler {
        final CompletableFuture<CloseReason> closed = new CompletableFuture<>();

        @Override
        public void onControl(NodeChannel channel, FrameBody body) {}

        @Override
        public void onClosed(NodeChannel channel, CloseReason reason) {
            closed.complete(reason);
        }
    }

    private final Recorder leftControl = new Recorder();
    private final Recorder rightControl = new Recorder();
    private NodeChannel left;
    private NodeChannel right;

    private void connect() throws Exception {
        long[] pair = t.createChannelPair();
        left = NodeChannel.open(t, pair[0], Limits.DEFAULT, leftControl);
        right = NodeChannel.open(t, pair[1], Limits.DEFAULT, rightControl);
    }

    private Endpoint[] pipe(Id128 id) {
        Endpoint a = new Endpoint(id, t.ops);
        Endpoint b = new Endpoint(id, t.ops);
        left.bind(a);
        right.bind(b);
        return new Endpoint[] {a, b};
    }

    @AfterEach
    void noHandleLeaks() throws Exception {
        if (left != null) {
            left.close();
            right.close();
        }
        t.io.submit(() -> {}).get(5, TimeUnit.SECONDS);
        t.io.shutdown();
        assertTrue(t.open.isEmpty(), "handles left open: " + t.open);
    }

    @Test
    void messagesAndHandlesArriveInOrderOnTheirOwnPipes() throws Exception {
        connect();
        Endpoint[] p1 = pipe(Id128.random());
        Endpoint[] p2 = pipe(Id128.random());
        for (int i = 0; i < 100; i++) {
            p1[0].write(new RawMessage(new byte[] {(byte) i}, new long[] {t.newHandle()}));
            p2[1].write(new RawMessage(new byte[] {(byte) -i}, RawMessage.NO_HANDLES));
        }
        for (int i = 0; i < 100; i++) {
            RawMessage m = p1[1].take(TimeUnit.SECONDS.toNanos(5));
            assertArrayEquals(new byte[] {(byte) i}, m.payload());
            assertEquals(1, m.handles().length);
            m.closeHandles(t.ops);
            assertArrayEquals(new byte[] {(byte) -i}, p2[0].take(TimeUnit.SECONDS.toNanos(5)).payload());
        }
        assertNull(p1[1].take(TimeUnit.MILLISECONDS.toNanos(10)), "nothing more, timeout gives null");
    }

    @Test
    void writesBeforeBindWaitAndKeepOrder() throws Exception {
        connect();
        Id128 id = Id128.random();
        Endpoint early = new Endpoint(id, t.ops);
        early.write(new RawMessage(new byte[] {1}, new long[] {t.newHandle()}));
        early.write(new RawMessage(new byte[] {2}, RawMessage.NO_HANDLES));
        Endpoint far = new Endpoint(id, t.ops);
        right.bind(far);
        left.bind(early);
        early.write(new RawMessage(new byte[] {3}, RawMessage.NO_HANDLES));
        for (int i = 1; i <= 3; i++) {
            RawMessage m = far.take(TimeUnit.SECONDS.toNanos(5));
            assertEquals(i, m.payload()[0]);
            m.closeHandles(t.ops);
        }
    }

    @Test
    void closingOneEndReachesTheOtherAfterItsMessages() throws Exception {
        connect();
        Endpoint[] p = pipe(Id128.random());
        p[0].write(new RawMessage(new byte[] {9}, RawMessage.NO_HANDLES));
        p[0].close();
        assertEquals(9, p[1].take(TimeUnit.SECONDS.toNanos(5)).payload()[0]);
        PeerClosedException e = assertThrows(PeerClosedException.class, () -> p[1].take(TimeUnit.SECONDS.toNanos(5)));
        assertTrue(e.getMessage().contains("peer closed its end"), e.getMessage());
        assertThrows(PeerClosedException.class, () -> p[1].write(new RawMessage(new byte[0], new long[] {t.newHandle()})),
                "writing to a pipe whose peer is gone fails and closes the handles");
        p[1].close();
        assertThrows(IllegalStateException.class, () -> p[0].write(new RawMessage(new byte[0], RawMessage.NO_HANDLES)));
    }

    @Test
    void messagesRacingALocalCloseAreDroppedWithTheirHandles() throws Exception {
        connect();
        Endpoint[] p = pipe(Id128.random());
        p[1].close();
        // the left side has not yet seen PIPE_CLOSED when these leave
        for (int i = 0; i < 10; i++) {
            try {
                p[0].write(new RawMessage(new byte[] {1}, new long[] {t.newHandle()}));
            } catch (PeerClosedException expected) {
                break;
            }
        }
        t.io.submit(() -> {}).get(5, TimeUnit.SECONDS);
        assertTrue(p[0].isPeerClosed());
        assertEquals(null, right.closeReason(), "late messages for a closed pipe are not a protocol error");
    }

    @Test
    void unreadMessagesAndTheirHandlesAreClosedWithTheEnd() throws Exception {
        connect();
        Endpoint[] p = pipe(Id128.random());
        for (int i = 0; i < 5; i++) {
            p[0].write(new RawMessage(new byte[] {1}, new long[] {t.newHandle(), t.newHandle()}));
        }
        t.io.submit(() -> {}).get(5, TimeUnit.SECONDS);
        assertEquals(5, p[1].queuedMessages());
        p[1].close();
    }

    @Test
    void channelLossMarksEveryPipePeerClosed() throws Exception {
        connect();
        Endpoint[] p1 = pipe(Id128.random());
        Endpoint[] p2 = pipe(Id128.random());
        right.close();
        assertEquals(CloseReason.Kind.PEER_CLOSED, leftControl.closed.get(5, TimeUnit.SECONDS).kind());
        assertTrue(p1[0].isPeerClosed() && p2[0].isPeerClosed());
        assertTrue(p1[1].isPeerClosed() && p2[1].isPeerClosed());
        Endpoint late = new Endpoint(Id128.random(), t.ops);
        left.bind(late);
        assertTrue(late.isPeerClosed(), "binding to a dead channel reports peer-closed at once");
    }

    @Test
    void messageForAnUnknownPipeIsAProtocolError() throws Exception {
        connect();
        long h = t.newHandle();
        left.send(new FrameBody.Message(Id128.random(), ByteBuffer.allocate(3)), new long[] {h});
        CloseReason r = rightControl.closed.get(5, TimeUnit.SECONDS);
        assertEquals(CloseReason.Kind.PROTOCOL_ERROR, r.kind());
        assertTrue(r.detail().startsWith("MESSAGE for unknown pipe"), r.detail());
    }

    @Test
    void secondPipeClosedIsAProtocolError() throws Exception {
        connect();
        Id128 id = Id128.random();
        pipe(id);
        left.sendControl(new FrameBody.PipeClosed(id));
        left.sendControl(new FrameBody.PipeClosed(id));
        CloseReason r = rightControl.closed.get(5, TimeUnit.SECONDS);
        assertTrue(r.detail().startsWith("second PIPE_CLOSED"), r.detail());
    }

    @Test
    void readingPausesWhenUnreadHandlesPileUpAndResumesWhenDrained() throws Exception {
        connect();
        Endpoint[] p = pipe(Id128.random());
        for (int i = 0; i <= NodeChannel.INBOUND_HIGH_HANDLES; i++) {
            p[0].write(new RawMessage(new byte[0], new long[] {t.newHandle()}));
        }
        t.io.submit(() -> {}).get(5, TimeUnit.SECONDS);
        assertTrue(right.isReadPaused(), "reading paused above the high-water mark");
        for (int i = 0; i <= NodeChannel.INBOUND_HIGH_HANDLES; i++) {
            p[1].poll().closeHandles(t.ops);
        }
        assertTrue(!right.isReadPaused(), "reading resumed once drained");
    }
}

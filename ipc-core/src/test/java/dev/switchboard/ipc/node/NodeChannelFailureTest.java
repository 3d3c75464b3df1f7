package dev.switchboard.ipc.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.spi.CloseReason;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.Limits;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A frame handler that fails with an unexpected exception (a bug provoked by what a peer sent)
 * drops the channel like a malformed frame: a protocol error naming the exception reaches
 * {@code onClosed}, and the frame's handles are closed exactly once, except those handed on.
 */
class NodeChannelFailureTest {

    private final InMemoryTransport t = new InMemoryTransport();

    @AfterEach
    void stop() {
        t.io.shutdownNow();
    }

    private static final class Throwing implements NodeChannel.Handler {
        final boolean takeFirst;
        final List<long[]> taken = new CopyOnWriteArrayList<>();
        final CompletableFuture<CloseReason> closed = new CompletableFuture<>();
        final List<CloseReason> closes = new CopyOnWriteArrayList<>();

        Throwing(boolean takeFirst) {
            this.takeFirst = takeFirst;
        }

        @Override
        public void onFrame(NodeChannel channel, FrameBody body, long[] handles) {
            if (takeFirst) {
                taken.add(NodeChannel.take(handles));
            }
            throw new IllegalStateException("bug provoked by the frame");
        }

        @Override
        public void onClosed(NodeChannel channel, CloseReason reason) {
            closes.add(reason);
            closed.complete(reason);
        }
    }

    private static final NodeChannel.Handler IGNORE = new NodeChannel.Handler() {
        @Override
        public void onFrame(NodeChannel channel, FrameBody body, long[] handles) {
            channel.closeAll(handles);
        }

        @Override
        public void onClosed(NodeChannel channel, CloseReason reason) {}
    };

    @Test
    void anExceptionInTheHandlerIsAProtocolErrorAndItsHandlesAreClosed() throws Exception {
        Throwing h = run(false);
        assertTrue(h.taken.isEmpty());
    }

    @Test
    void handlesTheHandlerTookBeforeFailingAreLeftToIt() throws Exception {
        Throwing h = run(true);
        assertEquals(1, h.taken.size());
        assertEquals(2, h.taken.get(0).length);
        for (long handle : h.taken.get(0)) {
            assertTrue(t.open.contains(handle), "a handle the handler took was closed by the channel");
            t.ops.close(handle);
        }
        assertEquals(List.of(), t.doubleCloses);
    }

    private Throwing run(boolean takeFirst) throws Exception {
        Throwing h = new Throwing(takeFirst);
        long[] pair = t.createChannelPair();
        NodeChannel.open(t, pair[0], Limits.DEFAULT, h);
        NodeChannel sender = NodeChannel.open(t, pair[1], Limits.DEFAULT, IGNORE);
        int openBefore = t.open.size();
        sender.send(new FrameBody.Event(ByteBuffer.wrap(new byte[] {1, 2, 3})), new long[] {t.newHandle(), t.newHandle()});

        CloseReason r = h.closed.get(5, TimeUnit.SECONDS);
        assertEquals(CloseReason.Kind.PROTOCOL_ERROR, r.kind(), r.toString());
        assertTrue(r.detail().contains("could not handle a EVENT frame") && r.detail().contains("bug provoked by the frame"), r.detail());
        t.io.submit(() -> {}).get(5, TimeUnit.SECONDS); // let the I/O thread finish
        assertEquals(1, h.closes.size(), "onClosed once");
        assertEquals(List.of(), t.doubleCloses);
        if (!takeFirst) {
            // the two handles sent, and both channel ends, are gone
            assertEquals(openBefore - 2, t.open.size(), "handles still open: " + t.open);
        }
        return h;
    }
}

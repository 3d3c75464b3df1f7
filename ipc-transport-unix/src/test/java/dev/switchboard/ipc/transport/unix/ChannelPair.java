package dev.switchboard.ipc.transport.unix;

import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.Id128;
import dev.switchboard.ipc.wire.Limits;
import java.io.IOException;
import java.nio.ByteBuffer;

/** Two UnixFrameChannels on the two ends of one socketpair. */
final class ChannelPair implements AutoCloseable {

    static final UnixHandleOps OPS = new UnixHandleOps();
    static final Id128 PIPE = new Id128(0x1122334455667788L, 0x99aabbccddeeff00L);

    final UnixFrameChannel a;
    final UnixFrameChannel b;
    final RecordingListener aEvents;
    final RecordingListener bEvents;

    ChannelPair(Limits limits) throws IOException {
        this(limits, new RecordingListener(), new RecordingListener());
    }

    ChannelPair(Limits limits, RecordingListener aEvents, RecordingListener bEvents) throws IOException {
        long[] fds = UnixSocketPairs.create();
        this.aEvents = aEvents;
        this.bEvents = bEvents;
        this.a = UnixFrameChannel.open(fds[0], limits, aEvents, OPS);
        this.b = UnixFrameChannel.open(fds[1], limits, bEvents, OPS);
    }

    /** A frame whose body is just {@code payload}: the transport does not look inside events. */
    static FrameBody.Event message(ByteBuffer payload) {
        return new FrameBody.Event(payload);
    }

    static FrameBody.Event message(int value) {
        ByteBuffer p = ByteBuffer.allocate(4);
        p.putInt(0, value);
        return message(p);
    }

    /** Closes both ends, waits for both onClosed calls and closes every handle left undelivered to the test. */
    @Override
    public void close() throws Exception {
        a.close();
        b.close();
        aEvents.awaitClosed();
        bEvents.awaitClosed();
        TestFds.drain(a);
        TestFds.drain(b);
        aEvents.closeQueuedHandles(OPS);
        bEvents.closeQueuedHandles(OPS);
    }

    /**
     * Makes every lazily created resource exist (event loop thread and its selector, native
     * libraries, thread-local buffers) so that fd counts taken afterwards compare like with like.
     */
    static void warmUp() throws Exception {
        try (ChannelPair p = new ChannelPair(Limits.DEFAULT)) {
            long[] pipe = UnixSocketPairs.create();
            p.a.send(message(1), new long[] {pipe[0]});
            OPS.close(pipe[1]);
            RecordingListener.Frame f = p.bEvents.take();
            for (long h : f.handles()) {
                OPS.close(h);
            }
        }
    }
}

package dev.switchboard.ipc.node;

import dev.switchboard.ipc.spi.CloseReason;
import dev.switchboard.ipc.spi.FrameChannel;
import dev.switchboard.ipc.spi.HandleOps;
import dev.switchboard.ipc.spi.Transport;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.FrameHeader;
import dev.switchboard.ipc.wire.Id128;
import dev.switchboard.ipc.wire.Limits;
import dev.switchboard.ipc.wire.ProtocolException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Internal: the OS channel between this process and one other node. It carries frames both ways and
 * does flow control; what the frames mean is up to its {@link Handler}: first the invitation
 * handshake, then the {@link NodeController}.
 */
public final class NodeChannel implements FrameChannel.Listener {

    private static final Logger log = LoggerFactory.getLogger(NodeChannel.class);

    /** Writers wait while more than this is queued towards the OS... */
    static final long OUTBOUND_HIGH_BYTES = 16L << 20;
    /** ...and resume when it falls below this. */
    static final long OUTBOUND_LOW_BYTES = 4L << 20;
    /** Writers also wait while more than this many handles (open fds of this process) are queued... */
    static final long OUTBOUND_HIGH_HANDLES = 1024;
    /** ...until no more than this are. */
    static final long OUTBOUND_LOW_HANDLES = 256;
    /** Reading stops while messages from this channel hold this many unread bytes or handles. */
    static final long INBOUND_HIGH_BYTES = 32L << 20;
    static final int INBOUND_HIGH_HANDLES = 256;

    /** What the frames mean. Called on the I/O thread, in order; must not block. */
    public interface Handler {
        /**
         * Owns {@code handles}. Throw to drop the channel as malformed; the handles are then closed
         * here, except those already handed on with {@link #take}. Any other exception is treated
         * the same way: the channel is dropped with a protocol error naming it.
         */
        void onFrame(NodeChannel channel, FrameBody body, long[] handles) throws ProtocolException;

        /** The channel is gone. Called once. */
        void onClosed(NodeChannel channel, CloseReason reason);
    }

    /** What a thread is doing inside a frame or close callback. */
    static final class IoCallback {
        boolean active;
        /**
         * Port observers (they wake readers and schedule listeners) held back until the frame has
         * been fully processed. Woken at once, a reader is scheduled while this thread still holds
         * the ports engine's deliverer role and the pipe's monitor: it blocks on the monitor, or
         * its reply is queued behind the role and sent by this thread, which costs a context switch
         * or two per message.
         */
        final ArrayList<Runnable> deferred = new ArrayList<>();
    }

    static final ThreadLocal<IoCallback> IO_CALLBACK = ThreadLocal.withInitial(IoCallback::new);

    static boolean inIoCallback() {
        return IO_CALLBACK.get().active;
    }

    /** Runs {@code observer} once the current frame or close callback is done; false when there is none. */
    static boolean deferToEndOfCallback(Runnable observer) {
        IoCallback s = IO_CALLBACK.get();
        if (!s.active) {
            return false;
        }
        ArrayList<Runnable> d = s.deferred;
        if (d.isEmpty() || d.get(d.size() - 1) != observer) {
            d.add(observer);
        }
        return true;
    }

    private final HandleOps ops;
    private final ReentrantLock flow = new ReentrantLock();
    private final Condition writable = flow.newCondition();
    private long inboundBytes;
    private long inboundHandles;
    private boolean readPaused;
    private volatile Handler handler;
    private volatile FrameChannel frames;
    private volatile CloseReason closeReason;
    private volatile Id128 peer;

    private NodeChannel(HandleOps ops, Handler handler) {
        this.ops = ops;
        this.handler = handler;
    }

    /** Opens a channel on a connected endpoint. Takes ownership of {@code handle}. */
    public static NodeChannel open(Transport transport, long handle, Limits limits, Handler handler) throws IOException {
        NodeChannel c = new NodeChannel(transport.handles(), handler);
        // The transport may deliver frames before open() returns; they wait for 'frames' below.
        synchronized (c) {
            c.frames = transport.open(handle, limits, c);
        }
        return c;
    }

    public HandleOps handleOps() {
        return ops;
    }

    /** The node at the other end, once the handshake (or an introduction) has named it. */
    public Id128 peer() {
        return peer;
    }

    void setPeer(Id128 node) {
        peer = node;
    }

    /** Hands the channel to a new handler, e.g. from the handshake to the controller. */
    public void setHandler(Handler h) {
        handler = h;
    }

    /** Sends a frame; takes ownership of {@code handles}. Thread-safe, never blocks. */
    public void send(FrameBody body, long[] handles) {
        frames().send(body, handles);
    }

    public void send(FrameBody body) {
        send(body, NO_HANDLES);
    }

    /** Raises (or lowers) the limits for frames not yet started; see {@link FrameChannel#setLimits}. */
    public void setLimits(Limits limits) {
        frames().setLimits(limits);
    }

    private FrameChannel frames() {
        FrameChannel f = frames;
        if (f == null) {
            synchronized (this) {
                f = frames;
            }
        }
        return f;
    }

    public String describe() {
        FrameChannel f = frames;
        Id128 p = peer;
        return (f == null ? "node channel (opening)" : f.describe()) + (p == null ? "" : " to node " + p.toHex().substring(0, 8));
    }

    public CloseReason closeReason() {
        return closeReason;
    }

    public boolean isClosed() {
        return closeReason != null;
    }

    public void close() {
        FrameChannel f = frames();
        if (f != null) {
            f.close();
        }
    }

    /** Drops the channel because what arrived broke the protocol; the reason reaches onClosed. */
    public void fail(String reason) {
        FrameChannel f = frames();
        if (f != null) {
            f.fail(reason);
        }
    }

    // ---- I/O thread ----

    @Override
    public void onFrame(FrameHeader header, FrameBody body, long[] handles) {
        IoCallback cb = IO_CALLBACK.get();
        boolean outermost = !cb.active; // a nested callback leaves the deferred observers to the outer one
        cb.active = true;
        try {
            synchronized (this) {
                // open() holds this lock until 'frames' is set; a frame that raced it waits here
            }
            handler.onFrame(this, body, handles);
        } catch (ProtocolException e) {
            log.debug("{}: malformed frame: {}", describe(), e.getMessage());
            closeAll(handles);
            fail(e.getMessage());
        } catch (RuntimeException e) {
            // A bug on this side, but the peer's frame provoked it: the state this channel feeds is
            // no longer trustworthy. Drop it like a malformed frame, so that everything waiting on
            // the peer hears of it instead of hanging.
            log.error("{}: handling a {} frame failed", describe(), body.type(), e);
            closeAll(handles);
            fail("could not handle a " + body.type() + " frame: " + e);
        } finally {
            if (outermost) {
                endCallback(cb);
            }
        }
    }

    @Override
    public void onClosed(CloseReason reason) {
        IoCallback cb = IO_CALLBACK.get();
        boolean outermost = !cb.active; // a nested callback leaves the deferred observers to the outer one
        cb.active = true;
        try {
            closeReason = reason;
            flow.lock();
            try {
                writable.signalAll();
            } finally {
                flow.unlock();
            }
            handler.onClosed(this, reason);
        } finally {
            if (outermost) {
                endCallback(cb);
            }
        }
    }

    /**
     * Runs the deferred observers, still flagged as inside the callback: an observer that causes
     * further status changes (a listener on a direct executor that writes) appends to the list and
     * is run by this loop.
     */
    private void endCallback(IoCallback cb) {
        ArrayList<Runnable> d = cb.deferred;
        try {
            for (int i = 0; i < d.size(); i++) {
                try {
                    d.get(i).run();
                } catch (RuntimeException e) {
                    log.warn("{}: port observer threw", describe(), e);
                }
            }
        } finally {
            d.clear();
            cb.active = false;
        }
    }

    @Override
    public void onWritable() {
        flow.lock();
        try {
            writable.signalAll();
        } finally {
            flow.unlock();
        }
    }

    /** Closes the handles a frame handler still owns; slots emptied by {@link #take} are skipped. */
    void closeAll(long[] handles) {
        for (int i = 0; i < handles.length; i++) {
            long h = handles[i];
            handles[i] = TAKEN;
            if (h != TAKEN) {
                ops.close(h);
            }
        }
    }

    /**
     * Hands a frame's handles on: returns them and empties the frame's slots, so that a failure
     * later in the same frame does not close what now belongs to someone else.
     */
    static long[] take(long[] handles) {
        if (handles.length == 0) {
            return handles;
        }
        long[] mine = handles.clone();
        java.util.Arrays.fill(handles, TAKEN);
        return mine;
    }

    /** An emptied handle slot; no OS handle has this value. */
    static final long TAKEN = -1;

    // ---- flow control ----

    /** A message from this channel is now queued for the application. */
    void received(long bytes, int handles) {
        flow.lock();
        try {
            inboundBytes += bytes;
            inboundHandles += handles;
            if (!readPaused && (inboundBytes > INBOUND_HIGH_BYTES || inboundHandles > INBOUND_HIGH_HANDLES)) {
                readPaused = true;
                // Applied under the lock that decided it: pause (I/O thread) and resume (reader
                // thread) must reach the transport in the order they were decided, or a resume
                // could overtake its pause and leave the channel paused for good.
                frames().setReadPaused(true);
            }
        } finally {
            flow.unlock();
        }
    }

    /** ...and has been read, forwarded or dropped. */
    void consumed(long bytes, int handles) {
        flow.lock();
        try {
            inboundBytes -= bytes;
            inboundHandles -= handles;
            if (readPaused && inboundBytes <= INBOUND_HIGH_BYTES / 2 && inboundHandles <= INBOUND_HIGH_HANDLES / 2) {
                readPaused = false;
                frames().setReadPaused(false);
            }
        } finally {
            flow.unlock();
        }
    }

    /** Flow-control state, for failure messages. */
    String describeFlow() {
        FrameChannel f = frames;
        flow.lock();
        try {
            return "inbound=" + inboundBytes + "B/" + inboundHandles + "fds" + (readPaused ? " read-paused" : "")
                    + " queued-out=" + (f == null ? 0 : f.queuedBytes()) + "B/" + (f == null ? 0 : f.queuedHandles()) + "fds";
        } finally {
            flow.unlock();
        }
    }

    boolean isReadPaused() {
        flow.lock();
        try {
            return readPaused;
        } finally {
            flow.unlock();
        }
    }

    /** Blocks a user thread while the outbound queue is above the high-water mark. Never blocks an I/O callback. */
    void awaitWritable() {
        FrameChannel f = frames;
        if (f == null || inIoCallback() || (f.queuedBytes() <= OUTBOUND_HIGH_BYTES && f.queuedHandles() <= OUTBOUND_HIGH_HANDLES)) {
            return;
        }
        flow.lock();
        try {
            while (closeReason == null && (f.queuedBytes() > OUTBOUND_LOW_BYTES || f.queuedHandles() > OUTBOUND_LOW_HANDLES)) {
                try {
                    writable.await(50, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        } finally {
            flow.unlock();
        }
    }

    static final long[] NO_HANDLES = new long[0];
}

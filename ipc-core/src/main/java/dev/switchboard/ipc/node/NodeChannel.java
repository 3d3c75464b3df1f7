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
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One OS channel between two processes and every message pipe that runs over it. This is where
 * a MESSAGE frame is routed to its pipe end, where PIPE_CLOSED is exchanged, and where both
 * directions of flow control live. Control frames (CONNECT, INVITE, ACCEPT) go to the
 * {@link ControlHandler}, which is the invitation logic of whoever opened the channel.
 */
public final class NodeChannel implements FrameChannel.Listener {

    private static final Logger log = LoggerFactory.getLogger(NodeChannel.class);

    /** Writers wait while more than this is queued towards the OS... */
    static final long OUTBOUND_HIGH_BYTES = 16L << 20;
    /** ...and resume when it falls below this. */
    static final long OUTBOUND_LOW_BYTES = 4L << 20;
    /** Reading stops while the pipes of this channel hold this many unread bytes or handles. */
    static final long INBOUND_HIGH_BYTES = 32L << 20;
    static final int INBOUND_HIGH_HANDLES = 256;

    /** Invitation logic. Called on the I/O thread; must not block. */
    public interface ControlHandler {
        /** A CONNECT, INVITE or ACCEPT frame. Throw to drop the channel as malformed. */
        void onControl(NodeChannel channel, FrameBody body) throws ProtocolException;

        /** The channel is gone; every bound pipe already reports peer-closed. */
        void onClosed(NodeChannel channel, CloseReason reason);
    }

    private static final ThreadLocal<Boolean> IN_IO_CALLBACK = ThreadLocal.withInitial(() -> false);

    private final HandleOps ops;
    private final ControlHandler control;
    private final Map<Id128, Endpoint> endpoints = new HashMap<>();
    /** Pipes closed here whose PIPE_CLOSED from the peer has not arrived: late MESSAGEs are dropped. */
    private final Set<Id128> closedHere = new HashSet<>();
    /** Pipes the peer closed; a second PIPE_CLOSED or a MESSAGE after it is malformed. */
    private final Set<Id128> closedThere = new HashSet<>();
    private final ReentrantLock flow = new ReentrantLock();
    private final Condition writable = flow.newCondition();
    private long inboundBytes;
    private long inboundHandles;
    private boolean readPaused;
    private volatile FrameChannel frames;
    private volatile CloseReason closeReason;
    private volatile int openPipesAtClose;

    private NodeChannel(HandleOps ops, ControlHandler control) {
        this.ops = ops;
        this.control = control;
    }

    /**
     * Opens a node channel on a connected endpoint. Takes ownership of {@code handle}.
     */
    public static NodeChannel open(Transport transport, long handle, Limits limits, ControlHandler control) throws IOException {
        NodeChannel c = new NodeChannel(transport.handles(), control);
        // The transport may deliver frames before open() returns; they wait for 'frames' below.
        synchronized (c) {
            c.frames = transport.open(handle, limits, c);
        }
        return c;
    }

    public HandleOps handleOps() {
        return ops;
    }

    /** Sends a control frame. */
    public void sendControl(FrameBody body) {
        send(body, RawMessage.NO_HANDLES);
    }

    void send(FrameBody body, long[] handles) {
        FrameChannel f = frames;
        if (f == null) {
            synchronized (this) {
                f = frames;
            }
        }
        f.send(body, handles);
    }

    /** Attaches an end to this channel under its pipe id; the far end must use the same id. */
    public void bind(Endpoint endpoint) {
        CloseReason closed;
        synchronized (this) {
            closed = closeReason;
            if (closed == null) {
                if (endpoints.putIfAbsent(endpoint.pipeId(), endpoint) != null) {
                    throw new IllegalStateException("pipe " + endpoint.pipeId() + " is already bound to " + describe());
                }
            }
        }
        if (closed != null) {
            endpoint.markPeerClosed(closed.detail());
            return;
        }
        if (!endpoint.attach(this)) {
            // closed by its user before the channel existed: tell the far end
            endpointClosed(endpoint);
        }
    }

    public String describe() {
        FrameChannel f = frames;
        return f == null ? "node channel (opening)" : f.describe();
    }

    public CloseReason closeReason() {
        return closeReason;
    }

    /** How many pipe ends on this channel were still open here when it closed. */
    public int openPipesAtClose() {
        return openPipesAtClose;
    }

    public void close() {
        FrameChannel f = frames;
        if (f != null) {
            f.close();
        }
    }

    // ---- I/O thread ----

    @Override
    public void onFrame(FrameHeader header, FrameBody body, long[] handles) {
        IN_IO_CALLBACK.set(true);
        try {
            synchronized (this) {
                // open() holds this lock until 'frames' is set; a frame that raced it waits here
            }
            dispatch(body, handles);
        } catch (ProtocolException e) {
            log.debug("{}: malformed frame: {}", describe(), e.getMessage());
            for (long h : handles) {
                ops.close(h);
            }
            failed(e.getMessage());
        } finally {
            IN_IO_CALLBACK.set(false);
        }
    }

    private void dispatch(FrameBody body, long[] handles) throws ProtocolException {
        if (body instanceof FrameBody.Message m) {
            Endpoint e;
            synchronized (this) {
                e = endpoints.get(m.pipeId());
                if (e == null) {
                    if (closedThere.contains(m.pipeId())) {
                        throw new ProtocolException("MESSAGE for pipe " + m.pipeId() + " after its PIPE_CLOSED");
                    }
                    if (!closedHere.contains(m.pipeId())) {
                        throw new ProtocolException("MESSAGE for unknown pipe " + m.pipeId());
                    }
                }
            }
            if (e == null) {
                // we closed this end; the peer had not heard yet
                for (long h : handles) {
                    ops.close(h);
                }
                return;
            }
            byte[] payload = new byte[m.payload().remaining()];
            m.payload().duplicate().get(payload);
            RawMessage raw = new RawMessage(payload, handles);
            received(raw);
            e.deliver(raw);
        } else if (body instanceof FrameBody.PipeClosed pc) {
            Endpoint e;
            synchronized (this) {
                if (!closedThere.add(pc.pipeId())) {
                    throw new ProtocolException("second PIPE_CLOSED for pipe " + pc.pipeId());
                }
                e = endpoints.get(pc.pipeId());
                if (e == null) {
                    if (!closedHere.remove(pc.pipeId())) {
                        closedThere.remove(pc.pipeId());
                        throw new ProtocolException("PIPE_CLOSED for unknown pipe " + pc.pipeId());
                    }
                    // both sides closed: nothing about this pipe remains
                    closedThere.remove(pc.pipeId());
                }
            }
            if (e != null) {
                e.markPeerClosed("peer closed its end");
            }
        } else {
            control.onControl(this, body);
        }
    }

    @Override
    public void onClosed(CloseReason reason) {
        IN_IO_CALLBACK.set(true);
        try {
            List<Endpoint> all;
            synchronized (this) {
                closeReason = reason;
                all = new ArrayList<>(endpoints.values());
                openPipesAtClose = all.size();
                endpoints.clear();
                closedHere.clear();
                closedThere.clear();
            }
            flow.lock();
            try {
                writable.signalAll();
            } finally {
                flow.unlock();
            }
            String why = reason.isFailure() ? "channel lost: " + reason : "channel closed";
            for (Endpoint e : all) {
                e.markPeerClosed(why);
            }
            control.onClosed(this, reason);
        } finally {
            IN_IO_CALLBACK.set(false);
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

    private void failed(String reason) {
        FrameChannel f = frames;
        if (f != null) {
            f.fail(reason);
        }
    }

    // ---- flow control ----

    private void received(RawMessage m) {
        boolean pause = false;
        flow.lock();
        try {
            inboundBytes += m.payload().length;
            inboundHandles += m.handles().length;
            if (!readPaused && (inboundBytes > INBOUND_HIGH_BYTES || inboundHandles > INBOUND_HIGH_HANDLES)) {
                readPaused = pause = true;
            }
        } finally {
            flow.unlock();
        }
        if (pause) {
            frames.setReadPaused(true);
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

    void consumed(RawMessage m) {
        boolean resume = false;
        flow.lock();
        try {
            inboundBytes -= m.payload().length;
            inboundHandles -= m.handles().length;
            if (readPaused && inboundBytes <= INBOUND_HIGH_BYTES / 2 && inboundHandles <= INBOUND_HIGH_HANDLES / 2) {
                readPaused = false;
                resume = true;
            }
        } finally {
            flow.unlock();
        }
        if (resume) {
            frames.setReadPaused(false);
        }
    }

    /** Blocks a user thread while the outbound queue is above the high-water mark. Never blocks an I/O callback. */
    void awaitWritable() {
        FrameChannel f = frames;
        if (f == null || IN_IO_CALLBACK.get() || f.queuedBytes() <= OUTBOUND_HIGH_BYTES) {
            return;
        }
        flow.lock();
        try {
            while (closeReason == null && f.queuedBytes() > OUTBOUND_LOW_BYTES) {
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

    void endpointClosed(Endpoint e) {
        boolean tell;
        synchronized (this) {
            endpoints.remove(e.pipeId(), e);
            tell = closeReason == null;
            if (tell) {
                if (closedThere.remove(e.pipeId())) {
                    // the peer closed first and sends nothing more: forget the pipe
                } else {
                    closedHere.add(e.pipeId());
                }
            }
        }
        if (tell) {
            sendControl(new FrameBody.PipeClosed(e.pipeId()));
        }
    }
}

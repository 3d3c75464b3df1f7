package dev.switchboard.ipc.node;

import dev.switchboard.ipc.spi.HandleOps;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.Id128;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One local end of a message pipe whose other end lives across a {@link NodeChannel}. It may be
 * created before its channel exists (an invitation attaches pipes before it is sent): writes
 * made then wait here and go out, in order, when {@link NodeChannel#bind} attaches it.
 *
 * <p>Thread-safe. The inbound queue owns the handles of every message in it.
 */
public final class Endpoint {

    /** Notified on the thread that changed the state: an I/O thread or a user thread. Must not block. */
    public interface Observer {
        void onReadable();

        void onPeerClosed();
    }

    private final Id128 pipeId;
    private final HandleOps ops;
    private final ArrayDeque<RawMessage> inbound = new ArrayDeque<>();
    private List<RawMessage> unsent = new ArrayList<>();
    private NodeChannel channel;
    private boolean peerClosed;
    private boolean closed;
    private String peerClosedReason;
    private Observer observer;

    public Endpoint(Id128 pipeId, HandleOps ops) {
        this.pipeId = pipeId;
        this.ops = ops;
    }

    public Id128 pipeId() {
        return pipeId;
    }

    public synchronized void setObserver(Observer observer) {
        this.observer = observer;
    }

    /**
     * Sends a message, taking ownership of its handles (closed here if the message cannot go).
     *
     * @throws IllegalStateException when this end is closed
     * @throws PeerClosedException when the other end is gone
     */
    public void write(RawMessage message) {
        NodeChannel c;
        synchronized (this) {
            c = channel;
        }
        if (c != null) {
            c.awaitWritable();
        }
        synchronized (this) {
            if (closed) {
                message.closeHandles(ops);
                throw new IllegalStateException("this end of pipe " + pipeId + " is closed");
            }
            if (peerClosed) {
                message.closeHandles(ops);
                throw new PeerClosedException("the other end of pipe " + pipeId + " is closed"
                        + (peerClosedReason == null ? "" : " (" + peerClosedReason + ")"));
            }
            if (channel == null) {
                unsent.add(message);
            } else {
                // ownership of the handles passes to the channel here
                channel.send(new FrameBody.Message(pipeId, ByteBuffer.wrap(message.payload())), message.handles());
            }
        }
    }

    /** Attaches this end to its channel and flushes what was written before. Called by {@link NodeChannel#bind}. */
    synchronized boolean attach(NodeChannel c) {
        if (channel != null) {
            throw new IllegalStateException("pipe " + pipeId + " is already bound");
        }
        if (closed) {
            return false;
        }
        channel = c;
        for (RawMessage m : unsent) {
            c.send(new FrameBody.Message(pipeId, ByteBuffer.wrap(m.payload())), m.handles());
        }
        unsent = null;
        return true;
    }

    /** A message arrived for this end (I/O thread). Takes ownership of its handles. */
    void deliver(RawMessage message) {
        Observer o;
        synchronized (this) {
            if (closed) {
                message.closeHandles(ops);
                return;
            }
            inbound.addLast(message);
            notifyAll();
            o = observer;
        }
        if (o != null) {
            o.onReadable();
        }
    }

    /**
     * The channel this end was waiting for will never come (its invitation failed). An end that
     * is already bound hears about its channel from the channel itself.
     */
    public void failUnbound(String reason) {
        synchronized (this) {
            if (channel != null) {
                return;
            }
        }
        markPeerClosed(reason);
    }

    /** The other end went away: it closed, its process died, or its channel broke. */
    void markPeerClosed(String reason) {
        Observer o;
        List<RawMessage> dropped = null;
        synchronized (this) {
            if (peerClosed) {
                return;
            }
            peerClosed = true;
            peerClosedReason = reason;
            if (unsent != null && !unsent.isEmpty()) {
                dropped = unsent;
                unsent = new ArrayList<>();
            }
            notifyAll();
            o = closed ? null : observer;
        }
        if (dropped != null) {
            dropped.forEach(m -> m.closeHandles(ops));
        }
        if (o != null) {
            o.onPeerClosed();
        }
    }

    /** The next message, or null when none is queued. The caller owns the returned handles. */
    public RawMessage poll() {
        RawMessage m;
        NodeChannel c;
        synchronized (this) {
            m = inbound.pollFirst();
            c = channel;
        }
        if (m != null && c != null) {
            c.consumed(m);
        }
        return m;
    }

    /**
     * Waits for a message.
     *
     * @return the message, or null on timeout
     * @throws PeerClosedException when nothing is queued and the other end is gone
     * @throws IllegalStateException when this end is closed
     */
    public RawMessage take(long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        RawMessage m;
        NodeChannel c;
        synchronized (this) {
            while (true) {
                if (closed) {
                    throw new IllegalStateException("this end of pipe " + pipeId + " is closed");
                }
                m = inbound.pollFirst();
                if (m != null) {
                    break;
                }
                if (peerClosed) {
                    throw new PeerClosedException("the other end of pipe " + pipeId + " is closed"
                            + (peerClosedReason == null ? "" : " (" + peerClosedReason + ")"));
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                wait(left / 1_000_000, (int) (left % 1_000_000));
            }
            c = channel;
        }
        if (c != null) {
            c.consumed(m);
        }
        return m;
    }

    public synchronized boolean isPeerClosed() {
        return peerClosed;
    }

    /** True when nothing is queued and nothing more can arrive. */
    public synchronized boolean isDrained() {
        return peerClosed && inbound.isEmpty();
    }

    public synchronized int queuedMessages() {
        return inbound.size();
    }

    /** Closes this end: queued messages and their handles are dropped, the peer is told. Idempotent. */
    public void close() {
        List<RawMessage> unread;
        List<RawMessage> neverSent;
        NodeChannel c;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            unread = new ArrayList<>(inbound);
            inbound.clear();
            neverSent = unsent == null ? List.of() : new ArrayList<>(unsent);
            if (unsent != null) {
                unsent.clear();
            }
            c = channel;
            notifyAll();
        }
        unread.forEach(m -> m.closeHandles(ops));
        neverSent.forEach(m -> m.closeHandles(ops));
        if (c != null) {
            unread.forEach(c::consumed);
            c.endpointClosed(this);
        }
    }

    public synchronized boolean isClosed() {
        return closed;
    }
}

package dev.switchboard.ipc;

import dev.switchboard.ipc.node.Endpoint;
import dev.switchboard.ipc.node.PeerClosedException;
import dev.switchboard.ipc.node.RawMessage;
import dev.switchboard.ipc.spi.HandleOps;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One end of a message pipe: an ordered, reliable channel of {@link Message}s to the other end,
 * which usually lives in another process.
 *
 * <p>Read either by calling {@link #read(Duration)} or by setting a {@link Listener}, which gets
 * every message in order, one at a time, on the executor you choose — never on Switchboard's I/O
 * thread. {@link #write(Message)} is thread-safe; it waits only when the channel underneath has
 * more than 16 MiB queued (and never when called from an I/O callback).
 */
public final class MessagePipe implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MessagePipe.class);

    /** Receives what arrives on a pipe. Calls for one pipe never overlap and keep arrival order. */
    public interface Listener {
        /** A message; the listener owns it (and so its handles). */
        void onMessage(MessagePipe pipe, Message message);

        /** The other end is gone and every message before that was delivered. Called once. */
        default void onPeerClosed(MessagePipe pipe) {}
    }

    private final Endpoint endpoint;
    private final HandleOps ops;
    private final String name;
    private final AtomicBoolean draining = new AtomicBoolean();
    private volatile Listener listener;
    private volatile Executor executor;
    private boolean peerClosedDelivered;

    private MessagePipe(Endpoint endpoint, HandleOps ops, String name) {
        this.endpoint = endpoint;
        this.ops = ops;
        this.name = name;
    }

    /** Wraps a node-level endpoint. Used by invitations; applications get pipes from them. */
    public static MessagePipe wrap(Endpoint endpoint, HandleOps ops, String name) {
        return new MessagePipe(endpoint, ops, name);
    }

    /** The name it was attached or extracted under. */
    public String name() {
        return name;
    }

    /**
     * Sends {@code message}; its handles now belong to the pipe.
     *
     * @throws PipeClosedException when the other end is gone (the message's handles are closed)
     * @throws IllegalStateException when this end is closed
     */
    public void write(Message message) {
        List<PlatformHandle> hs = message.takeHandles();
        long[] raw = new long[hs.size()];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = hs.get(i).release(); // ownership: PlatformHandle -> pipe
        }
        try {
            endpoint.write(new RawMessage(message.bytes(), raw));
        } catch (PeerClosedException e) {
            throw new PipeClosedException(name + ": " + e.getMessage());
        }
    }

    /**
     * Waits up to {@code timeout} for the next message.
     *
     * @return the message, or null when the timeout passed first
     * @throws PipeClosedException when nothing is queued and the other end is gone
     * @throws IllegalStateException when a listener is set or this end is closed
     */
    public Message read(Duration timeout) throws InterruptedException {
        if (listener != null) {
            throw new IllegalStateException(name + ": a listener consumes this pipe's messages");
        }
        try {
            RawMessage m = endpoint.take(Math.max(0, timeout.toNanos()));
            return m == null ? null : toMessage(m);
        } catch (PeerClosedException e) {
            throw new PipeClosedException(name + ": " + e.getMessage());
        }
    }

    /** The next message if one is queued, else null. Never waits. */
    public Message poll() {
        RawMessage m = endpoint.poll();
        return m == null ? null : toMessage(m);
    }

    /**
     * Delivers every message, now queued or arriving later, to {@code listener} on
     * {@code executor}. Set once.
     */
    public void setListener(Executor executor, Listener listener) {
        Objects.requireNonNull(executor, "executor");
        Objects.requireNonNull(listener, "listener");
        synchronized (this) {
            if (this.listener != null) {
                throw new IllegalStateException(name + ": listener already set");
            }
            this.executor = executor;
            this.listener = listener;
        }
        endpoint.setObserver(new Endpoint.Observer() {
            @Override
            public void onReadable() {
                schedule();
            }

            @Override
            public void onPeerClosed() {
                schedule();
            }
        });
        schedule();
    }

    /** True once the other end is gone; messages sent before that may still be queued here. */
    public boolean isPeerClosed() {
        return endpoint.isPeerClosed();
    }

    /** Closes this end; unread messages and their handles are dropped and the other end sees peer-closed. */
    @Override
    public void close() {
        endpoint.close();
    }

    @Override
    public String toString() {
        return "MessagePipe(" + name + ")";
    }

    private Message toMessage(RawMessage m) {
        long[] raw = m.handles();
        List<PlatformHandle> hs = new ArrayList<>(raw.length);
        for (long h : raw) {
            hs.add(PlatformHandle.adopt(h, ops)); // ownership: queue -> message
        }
        return Message.of(m.payload(), hs);
    }

    private void schedule() {
        if (endpoint.isClosed() || !draining.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(this::drain);
        } catch (RejectedExecutionException e) {
            draining.set(false);
            log.warn("{}: listener executor rejected delivery; messages stay queued", name, e);
        }
    }

    private void drain() {
        Listener l = listener;
        try {
            RawMessage m;
            while ((m = endpoint.poll()) != null) {
                Message msg = toMessage(m);
                try {
                    l.onMessage(this, msg);
                } catch (RuntimeException e) {
                    log.warn("{}: listener threw; continuing with the next message", name, e);
                }
            }
            boolean tellClosed;
            synchronized (this) {
                tellClosed = !peerClosedDelivered && endpoint.isDrained() && !endpoint.isClosed();
                peerClosedDelivered |= tellClosed;
            }
            if (tellClosed) {
                try {
                    l.onPeerClosed(this);
                } catch (RuntimeException e) {
                    log.warn("{}: onPeerClosed threw", name, e);
                }
            }
        } finally {
            draining.set(false);
        }
        // something may have arrived between the last poll and clearing the flag
        boolean more;
        synchronized (this) {
            more = !endpoint.isClosed() && (endpoint.queuedMessages() > 0 || (!peerClosedDelivered && endpoint.isDrained()));
        }
        if (more) {
            schedule();
        }
    }
}

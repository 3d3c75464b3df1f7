package dev.switchboard.ipc;

import dev.switchboard.ipc.node.NodeController;
import dev.switchboard.ipc.node.PipePayload;
import dev.switchboard.ipc.ports.PortException;
import dev.switchboard.ipc.ports.PortPair;
import dev.switchboard.ipc.ports.PortRef;
import dev.switchboard.ipc.ports.PortStatus;
import dev.switchboard.ipc.ports.ReceivedMessage;
import dev.switchboard.ipc.ports.SendResult;
import dev.switchboard.ipc.wire.HandleDescriptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One end of a message pipe: an ordered, reliable channel of {@link Message}s to the other end,
 * which may live in this process or any other process of the graph. An end is itself a
 * {@link Handle}: put it in a message and it moves to the receiver, while its peer keeps talking
 * to it, without losing or reordering a message.
 *
 * <p>Read either by calling {@link #read(Duration)} or by setting a {@link Listener}, which gets
 * every message in order, one at a time, on the executor you choose — never on Switchboard's I/O
 * thread. {@link #write(Message)} is thread-safe; it waits only when the channel towards the
 * other end has more than 16 MiB queued (and never when called from an I/O callback).
 */
public final class MessagePipe implements Handle {

    private static final Logger log = LoggerFactory.getLogger(MessagePipe.class);

    /**
     * Both ends of a new pipe.
     *
     * @param end0 one end
     * @param end1 the other end
     */
    public record Pair(MessagePipe end0, MessagePipe end1) {}

    /** Receives what arrives on a pipe. Calls for one pipe never overlap and keep arrival order. */
    public interface Listener {
        /**
         * A message arrived; the listener owns it (and so its handles) and closes it.
         *
         * @param pipe the end it arrived on
         * @param message the message
         */
        void onMessage(MessagePipe pipe, Message message);

        /**
         * The other end is gone and every message before that was delivered. Called once.
         *
         * @param pipe the end whose peer closed
         */
        default void onPeerClosed(MessagePipe pipe) {}
    }

    private final NodeController controller;
    private final PortRef port;
    private final String name;
    private final Object sendLock = new Object();
    private final AtomicBoolean draining = new AtomicBoolean();
    /** Writes made before an invitation connected this end; null once connected. Guarded by sendLock. */
    private List<Message> unsent;
    /** Payload bytes in {@link #unsent}; writers wait while it is above the channel's limit. */
    private long unsentBytes;
    /** Handles (open fds of this process) in {@link #unsent}; writers wait while there are this many. */
    private long unsentHandles;
    /** Same bounds as a channel's outbound queue: connecting flushes at most this much at once. */
    private static final long UNSENT_HIGH_BYTES = 16L << 20;
    private static final long UNSENT_HIGH_HANDLES = 1024;
    /**
     * Closed before its invitation connected: the port stays until then, so that the invitee's end
     * can be told (peer-closed) instead of writing to a port that no longer exists. Guarded by sendLock.
     */
    private boolean closeOnConnect;
    // guarded by this
    private boolean closed;
    private boolean moved;
    private String failure;
    private boolean peerClosedDelivered;
    private volatile Listener listener;
    private volatile Executor executor;
    /**
     * Threads blocked in {@link #read}. They park rather than wait on this object's monitor: a
     * waiter woken by notifyAll must re-enter the monitor the waking thread (usually the I/O
     * thread) still holds, and a monitor wait costs more system calls than a park. A reader
     * registers before it last looks for a message, and whoever changes what it looks at does
     * so before it unparks the registered readers, so no wake-up is lost.
     */
    private final Set<Thread> readers = ConcurrentHashMap.newKeySet();

    private MessagePipe(NodeController controller, PortRef port, String name, boolean connected) {
        this.controller = controller;
        this.port = port;
        this.name = name;
        this.unsent = connected ? null : new ArrayList<>();
        controller.observe(port, this::statusChanged);
    }

    /**
     * Creates a pipe with both ends in this process. Send either end anywhere.
     *
     * @return both ends; the caller owns and closes each
     */
    public static Pair create() {
        NodeController c = NodeController.get();
        PortPair pp = c.node().createPortPair();
        return new Pair(new MessagePipe(c, pp.first(), "pipe", true), new MessagePipe(c, pp.second(), "pipe", true));
    }

    /**
     * An end whose port is connected. For Switchboard's own modules (invitations and received
     * messages); applications get ends from {@link #create()}, invitations and messages.
     *
     * @param controller this process's node controller
     * @param port the port this end reads and writes
     * @param name the name shown in errors and logs
     * @return the end; the caller owns it
     */
    public static MessagePipe forPort(NodeController controller, PortRef port, String name) {
        return new MessagePipe(controller, port, name, true);
    }

    /**
     * An end whose port is connected later ({@link #connected()}): writes wait here until then,
     * in order. For Switchboard's own modules (the inviting side of an invitation).
     *
     * @param controller this process's node controller
     * @param port the port this end reads and writes once connected
     * @param name the name shown in errors and logs
     * @return the end; the caller owns it
     */
    public static MessagePipe forPendingPort(NodeController controller, PortRef port, String name) {
        return new MessagePipe(controller, port, name, false);
    }

    /**
     * The port is connected now: sends what was written so far, in order. For Switchboard's own
     * modules.
     */
    public void connected() {
        synchronized (sendLock) {
            List<Message> queued = unsent;
            unsent = null;
            unsentBytes = 0;
            unsentHandles = 0;
            sendLock.notifyAll();
            if (queued != null) {
                for (Message m : queued) {
                    try {
                        send(m);
                    } catch (RuntimeException e) {
                        log.debug("{}: a message written before the pipe connected could not be sent: {}", name, e.getMessage());
                    }
                }
            }
            if (closeOnConnect) {
                // closed before connecting: what was written goes first, then the closure
                closeOnConnect = false;
                closePortQuietly();
                return;
            }
        }
        statusChanged();
    }

    /**
     * The port will never connect (its invitation failed): the pipe reports peer-closed and the
     * messages written so far are closed. For Switchboard's own modules.
     *
     * @param reason why, reported by reads
     */
    public void failPending(String reason) {
        List<Message> dropped;
        synchronized (sendLock) {
            dropped = unsent;
            unsent = null;
            sendLock.notifyAll();
            closeOnConnect = false; // the port is closed below either way
        }
        if (dropped == null) {
            return;
        }
        dropped.forEach(Message::close);
        synchronized (this) {
            failure = reason;
        }
        wakeReaders();
        try {
            controller.node().closePort(port);
        } catch (PortException e) {
            // already gone
        }
        statusChanged();
    }

    /** {@return the name it was attached or extracted under ("pipe" for other ends)} */
    public String name() {
        return name;
    }

    /**
     * Sends {@code message}; its handles and pipe ends now belong to the receiver.
     *
     * @param message the message; its handles and pipe ends are moved out of it
     * @throws PipeClosedException when the other end is gone (the message's handles are closed)
     * @throws IllegalStateException when this end is closed or was moved
     * @throws IllegalArgumentException when the message carries this pipe or its own peer
     */
    public void write(Message message) {
        Objects.requireNonNull(message, "message");
        synchronized (this) {
            checkUsable();
        }
        if (unsent == null) {
            try {
                controller.awaitWritable(controller.node().peerNodeOf(port));
            } catch (PortException e) {
                // moved or closed meanwhile: send() says which
            }
        }
        synchronized (sendLock) {
            // never on the I/O thread: it is the one that will deliver the ACCEPT this waits for
            while (unsent != null && (unsentBytes > UNSENT_HIGH_BYTES || unsentHandles >= UNSENT_HIGH_HANDLES)
                    && !Thread.currentThread().isInterrupted()
                    && !NodeController.onIoThread()) {
                try {
                    sendLock.wait(50); // until the invitation connects (or fails)
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (unsent != null) {
                unsentBytes += message.bytes().length;
                // ownership moves now, as it would on a connected pipe: the caller's objects go invalid
                List<PlatformHandle> hs = new ArrayList<>();
                for (PlatformHandle h : message.takeHandles()) {
                    hs.add(PlatformHandle.adopt(h.release(), controller.handleOps()));
                }
                List<SharedBuffer> bs = new ArrayList<>();
                for (SharedBuffer b : message.takeSharedBuffers()) {
                    bs.add(SharedBuffer.arrived(b.releaseForTransfer(), b.size(), b.isReadOnly(), controller.handleOps()));
                }
                unsentHandles += hs.size() + bs.size();
                List<MessagePipe> ps = message.takePipes();
                ps.forEach(MessagePipe::markMoved);
                unsent.add(Message.received(message.bytes(), hs, ps, bs, null));
                return;
            }
            send(message);
        }
        if (!NodeController.onIoThread()) {
            // paced by delivery: an I/O thread that is handing this process's events to the
            // channels must not be kept at it by this writer's messages (Node.awaitDelivered)
            controller.node().awaitDelivered();
        }
    }

    private void send(Message message) {
        List<PlatformHandle> hs = message.takeHandles();
        List<SharedBuffer> bs = message.takeSharedBuffers();
        List<MessagePipe> ps = message.takePipes();
        List<PortRef> transfer = new ArrayList<>(ps.size());
        for (MessagePipe p : ps) {
            if (p == this) {
                closeAll(hs, ps);
                bs.forEach(SharedBuffer::close);
                throw new IllegalArgumentException(name + ": a pipe end cannot travel inside its own message");
            }
            transfer.add(p.port);
        }
        // OS handles first, then shared buffers; each handle's descriptor says which it is
        long[] raw = new long[hs.size() + bs.size()];
        HandleDescriptor[] kinds = new HandleDescriptor[raw.length];
        for (int i = 0; i < hs.size(); i++) {
            raw[i] = hs.get(i).release(); // ownership: PlatformHandle -> payload
            kinds[i] = HandleDescriptor.Platform.INSTANCE;
        }
        for (int i = 0; i < bs.size(); i++) {
            SharedBuffer b = bs.get(i);
            kinds[hs.size() + i] = new HandleDescriptor.SharedMemory(b.size(), b.isReadOnly());
            raw[hs.size() + i] = b.releaseForTransfer(); // ownership: SharedBuffer -> payload
        }
        PipePayload payload = new PipePayload(message.bytes(), raw, kinds, controller.handleOps());
        SendResult result;
        try {
            result = controller.node().sendUserMessage(port, payload, transfer);
        } catch (PortException e) {
            payload.discard();
            closeAll(List.of(), ps);
            throw new IllegalStateException(name + ": " + e.getMessage(), e);
        }
        if (result == SendResult.PEER_CLOSED) {
            payload.discard();
            closeAll(List.of(), ps);
            throw new PipeClosedException(name + ": the other end is closed");
        }
        for (MessagePipe p : ps) {
            p.markMoved(); // the port lives on in the receiving process
        }
    }

    private static void closeAll(List<PlatformHandle> hs, List<MessagePipe> ps) {
        hs.forEach(PlatformHandle::close);
        ps.forEach(MessagePipe::close);
    }

    /**
     * Waits up to {@code timeout} for the next message.
     *
     * @param timeout how long to wait; zero or negative does not wait
     * @return the message, owned by the caller, or null when the timeout passed first
     * @throws PipeClosedException when nothing is queued and the other end is gone
     * @throws IllegalStateException when a listener is set, or this end is closed or was moved
     * @throws InterruptedException when the calling thread is interrupted while it waits
     */
    public Message read(Duration timeout) throws InterruptedException {
        if (listener != null) {
            throw new IllegalStateException(name + ": a listener consumes this pipe's messages");
        }
        long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
        synchronized (this) {
            Message m = next();
            if (m != null) {
                return m;
            }
        }
        Thread me = Thread.currentThread();
        readers.add(me);
        try {
            while (true) {
                synchronized (this) {
                    Message m = next();
                    if (m != null) {
                        return m;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                LockSupport.parkNanos(this, left);
            }
        } finally {
            readers.remove(me);
        }
    }

    private void wakeReaders() {
        if (!readers.isEmpty()) {
            for (Thread t : readers) {
                LockSupport.unpark(t);
            }
        }
    }

    /**
     * Returns the next message if one is queued. Never waits.
     *
     * @return the message, owned by the caller, or null when none is queued
     * @throws PipeClosedException when nothing is queued and the other end is gone
     * @throws IllegalStateException when this end is closed or was moved
     */
    public synchronized Message poll() {
        return next();
    }

    /** Caller holds this. Null when nothing is readable now; throws when nothing ever will be. */
    private Message next() {
        checkUsable();
        if (failure != null) {
            throw new PipeClosedException(name + ": " + failure);
        }
        if (unsent != null) {
            return null; // not connected yet: nothing can be read before
        }
        ReceivedMessage rm;
        try {
            rm = controller.node().getMessage(port);
            if (rm == null) {
                PortStatus status = controller.node().getStatus(port);
                if (status.peerClosed()) {
                    throw new PipeClosedException(name + ": the other end is closed");
                }
                return null;
            }
        } catch (PortException e) {
            throw new IllegalStateException(name + ": " + e.getMessage(), e);
        }
        return toMessage(rm);
    }

    private Message toMessage(ReceivedMessage rm) {
        PipePayload p = (PipePayload) rm.payload();
        long[] raw = p.takeHandles();
        HandleDescriptor[] kinds = p.descriptors();
        List<PlatformHandle> hs = new ArrayList<>(raw.length);
        List<SharedBuffer> bs = new ArrayList<>(0);
        for (int i = 0; i < raw.length; i++) {
            // ownership: payload -> message (a shared buffer from another process was checked on arrival)
            if (kinds[i] instanceof HandleDescriptor.SharedMemory s) {
                bs.add(SharedBuffer.arrived(raw[i], s.size(), s.readOnly(), controller.handleOps()));
            } else {
                hs.add(PlatformHandle.adopt(raw[i], controller.handleOps()));
            }
        }
        List<MessagePipe> ps = new ArrayList<>(rm.ports().size());
        for (PortRef r : rm.ports()) {
            ps.add(forPort(controller, r, "pipe"));
        }
        return Message.received(p.bytes(), hs, ps, bs, p.sourceNode());
    }

    private void checkUsable() {
        if (closed) {
            throw new IllegalStateException(name + ": this end is closed");
        }
        if (moved) {
            throw new IllegalStateException(name + ": this end was sent to another process");
        }
    }

    /**
     * Delivers every message, now queued or arriving later, to {@code listener} on
     * {@code executor}. Set once.
     *
     * @param executor runs every call to {@code listener}, one at a time
     * @param listener receives the messages, then peer-closed
     * @throws IllegalStateException when a listener is already set
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
        schedule();
    }

    /**
     * Says whether the other end is gone; messages sent before that may still be queued here.
     *
     * @return true once the other end is gone
     */
    public synchronized boolean isPeerClosed() {
        if (failure != null) {
            return true;
        }
        if (closed || moved || unsent != null) {
            return false;
        }
        try {
            return controller.node().getStatus(port).peerClosed();
        } catch (PortException e) {
            return true;
        }
    }

    /** True when it can be put into a message: open, here, and connected. */
    synchronized boolean isTransferable() {
        return !closed && !moved && unsent == null && failure == null;
    }

    /** Closes this end; unread messages and their handles are dropped and the other end sees peer-closed. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed || moved) {
                return;
            }
            closed = true;
        }
        boolean pending;
        synchronized (sendLock) {
            // not connected yet: connected() sends what was written and then closes the port, or
            // failPending() drops it all
            pending = unsent != null;
            closeOnConnect = pending;
            sendLock.notifyAll();
        }
        wakeReaders();
        controller.unobserve(port);
        if (!pending) {
            closePortQuietly();
        }
    }

    private void closePortQuietly() {
        try {
            controller.node().closePort(port);
        } catch (PortException e) {
            // already gone with its node
        }
    }

    private void markMoved() {
        synchronized (this) {
            moved = true;
        }
        wakeReaders();
        controller.unobserve(port);
    }

    @Override
    public String toString() {
        return "MessagePipe(" + name + " " + port + ")";
    }

    /** From the node, on whatever thread changed the port. Must not block. */
    private void statusChanged() {
        wakeReaders();
        if (listener != null) {
            schedule();
        }
    }

    private void schedule() {
        synchronized (this) {
            if (closed || moved) {
                return;
            }
        }
        if (!draining.compareAndSet(false, true)) {
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
        boolean again = false;
        try {
            while (true) {
                Message msg;
                boolean tellClosed = false;
                synchronized (this) {
                    if (closed || moved) {
                        return;
                    }
                    try {
                        msg = next();
                    } catch (PipeClosedException e) {
                        msg = null;
                        tellClosed = !peerClosedDelivered;
                        peerClosedDelivered = true;
                    }
                }
                if (msg != null) {
                    try {
                        l.onMessage(this, msg);
                    } catch (RuntimeException e) {
                        log.warn("{}: listener threw; continuing with the next message", name, e);
                    }
                    continue;
                }
                if (tellClosed) {
                    try {
                        l.onPeerClosed(this);
                    } catch (RuntimeException e) {
                        log.warn("{}: onPeerClosed threw", name, e);
                    }
                }
                return;
            }
        } finally {
            draining.set(false);
            // something may have arrived between the last look and clearing the flag
            synchronized (this) {
                if (!closed && !moved && !peerClosedDelivered && unsent == null) {
                    try {
                        PortStatus s = failure != null ? null : controller.node().getStatus(port);
                        again = s == null || s.hasMessages() || s.peerClosed();
                    } catch (PortException e) {
                        again = false;
                    }
                }
            }
            if (again) {
                schedule();
            }
        }
    }
}

package dev.switchboard.ipc.typed;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PipeClosedException;
import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.SharedBuffer;
import dev.switchboard.ipc.node.NodeController;
import dev.switchboard.ipc.pickle.PickleException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Typed messages over a {@link MessagePipe} (Chromium's ChannelProxy): {@code send} from any
 * thread; {@link MessageFilter}s on the thread that delivers the pipe's messages; everything else
 * on the listener's executor, in order; synchronous calls that block the caller until the reply,
 * a timeout, or the peer's death.
 *
 * <p><b>Delivery.</b> The pipe's messages are decoded on the thread that makes them readable (the
 * I/O thread for a peer in another process, the writing thread for a peer in this process).
 * There replies are matched to their callers (a blocked caller is unparked directly), filters
 * run, and the rest is queued for the listener. Input that does not decode, an unknown type, or
 * a reply nobody asked for is reported with {@code reportBadMessage} (naming the type with
 * {@link MessageTypes#describe}) and then to {@link IpcListener#onBadMessage}; the channel stays
 * open, since every message is framed on its own.
 *
 * <p><b>Synchronous calls.</b> While the listener's dispatch is blocked in
 * {@link #sendSync}, later messages for the listener wait and are delivered after the call
 * returns, in order; sync requests from the peer are run on the blocked thread, nested, so that
 * A→B→A calls complete, last in first out. A sync call from a thread that must not block fails
 * at once with {@link DeliveryThreadCallException}: a thread delivering any channel's messages (a
 * filter, or a listener on a direct executor) or a Switchboard I/O thread.
 *
 * <p><b>Disconnection.</b> {@link #disconnected()} completes once the channel has ended.
 *
 * <p>Closing the channel closes the pipe. Thread-safe.
 */
public final class IpcChannel implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IpcChannel.class);

    /**
     * The executor for a listener that never blocks: it runs the listener on the thread that
     * delivers the channel's messages (for a peer in another process, the I/O thread), right
     * after the filters, saving a thread hand-off per message each way; a reply it sends is
     * written on that thread at once. Such a listener follows the rules of a filter: it must not
     * block or wait for anything (not for locks held long, not for I/O), and a sync call from it
     * fails with {@link DeliveryThreadCallException}. Opt in only for handlers that compute an
     * answer from what they hold; the default for user code is an executor of its own. Any direct
     * executor ({@code Runnable::run}) behaves the same; this one names the choice.
     */
    public static final Executor DIRECT = new Executor() {
        @Override
        public void execute(Runnable task) {
            task.run();
        }

        @Override
        public String toString() {
            return "IpcChannel.DIRECT";
        }
    };

    /** The channel whose messages the current thread is delivering, if any. */
    private static final ThreadLocal<IpcChannel> DELIVERING = new ThreadLocal<>();
    /** Request ids of calls that gave up waiting, so that their late replies are not called bad. */
    private static final int MAX_ABANDONED = 4096;

    private final MessagePipe pipe;
    private final MessageTypes types;
    private final IpcListener listener;
    private final List<MessageFilter> filters = new CopyOnWriteArrayList<>();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final Map<Long, Boolean> abandoned = new ConcurrentHashMap<>();
    private final AtomicLong requestIds = new AtomicLong();

    private final ListenerQueue queue;
    private final Object endLock = new Object();
    private final DeferredWriter writer;

    private volatile boolean closed;
    private volatile String endReason;
    private final CompletableFuture<Void> disconnected = new CompletableFuture<>();

    private IpcChannel(MessagePipe pipe, MessageTypes types, IpcListener listener, Executor executor) {
        this.pipe = pipe;
        this.types = types;
        this.listener = listener;
        this.queue = new ListenerQueue(executor, this::dispatch);
        this.writer = new DeferredWriter(pipe);
    }

    /**
     * A channel over {@code pipe}, which it now owns (closing the channel closes the pipe).
     * {@code listener} runs on {@code executor}; the channel calls it for one message at a
     * time. Give each channel whose listener makes sync calls an executor of its own (or a pool):
     * a blocked dispatch holds its thread. A listener that never blocks can run on the delivery
     * thread instead: pass {@link #DIRECT}.
     *
     * @param pipe the pipe end, now owned by the channel
     * @param types the messages this side can send and receive
     * @param listener gets the messages the filters do not claim
     * @param executor runs the listener; {@link #DIRECT} for one that never blocks
     * @return the channel, already receiving
     */
    public static IpcChannel over(MessagePipe pipe, MessageTypes types, IpcListener listener, Executor executor) {
        Objects.requireNonNull(pipe, "pipe");
        Objects.requireNonNull(types, "types");
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(executor, "executor");
        IpcChannel c = new IpcChannel(pipe, types, listener, executor);
        pipe.setListener(Runnable::run, new MessagePipe.Listener() {
            @Override
            public void onMessage(MessagePipe p, Message message) {
                c.deliver(message);
            }

            @Override
            public void onPeerClosed(MessagePipe p) {
                c.peerClosed();
            }
        });
        return c;
    }

    /**
     * The messages this channel can send and receive.
     *
     * @return the registry given to {@link #over}
     */
    public MessageTypes types() {
        return types;
    }

    /**
     * Whether the channel ended.
     *
     * @return true after {@link #close()} or once the peer closed
     */
    public boolean isClosed() {
        return endReason != null;
    }

    /**
     * Completes when the channel ends: on the listener's executor after the last message the peer
     * sent was delivered, when the peer closed or its process died (after
     * {@link IpcListener#onPeerClosed}); or on the thread that calls {@link #close()}, if that
     * comes first. It never completes exceptionally. Dependent actions added with the
     * non-{@code Async} methods run on the completing thread.
     *
     * @return a view of the channel's future (completing with it); cancelling the view changes
     *     nothing in the channel
     */
    public CompletableFuture<Void> disconnected() {
        return disconnected.copy();
    }

    /**
     * Adds a filter after those already added; it sees messages that arrive from now on.
     *
     * @param filter the filter; its {@link MessageFilter#onFilterAdded} runs first, on this thread
     */
    public void addFilter(MessageFilter filter) {
        Objects.requireNonNull(filter, "filter");
        filter.onFilterAdded(this);
        filters.add(filter);
    }

    /**
     * Removes a filter; it gets {@link MessageFilter#onFilterRemoved()}.
     *
     * @param filter the filter
     * @return whether it was there
     */
    public boolean removeFilter(MessageFilter filter) {
        if (filters.remove(filter)) {
            filter.onFilterRemoved();
            return true;
        }
        return false;
    }

    // ------------------------------------------------------------------ sending

    /**
     * Sends a one-way message to the peer's control listener ({@link MessageRouter#CONTROL}).
     *
     * @param message a record or method call declared in this channel's types
     * @throws IllegalArgumentException when the message is not declared here, is answered, or holds a null
     * @throws PipeClosedException when the peer is gone
     */
    public void send(Object message) {
        send(MessageRouter.CONTROL, message);
    }

    /**
     * Sends a one-way message with {@code routingId}. The handles and pipes in its fields move to
     * the peer.
     *
     * @param routingId the route at the peer
     * @param message a record or method call declared in this channel's types
     * @throws IllegalArgumentException when the message is not declared in this channel's types,
     *     is answered (use {@link #sendSync} or {@link #call}), or holds a null
     * @throws PipeClosedException when the peer is gone
     */
    public void send(int routingId, Object message) {
        Objects.requireNonNull(message, "message");
        MessageType t = typeOf(message);
        if (t.expectsReply()) {
            throw new IllegalArgumentException(t.name + " is answered: send it with sendSync or call");
        }
        write(MessageCodec.encodeRequest(types, routingId, message, 0, 0));
    }

    /**
     * {@link #sendSync(int, Object, Duration)} to the control listener.
     *
     * @param <R> the reply type
     * @param message a {@link Sync} record or method call
     * @param timeout how long to wait for the reply
     * @return the reply (null for a {@code Void} reply)
     * @throws SyncCallException when no reply came; the subclass says why
     */
    public <R> R sendSync(Object message, Duration timeout) {
        return sendSync(MessageRouter.CONTROL, message, timeout);
    }

    /**
     * Sends a message declared {@link Sync} and blocks until its reply.
     *
     * @param <R> the reply type
     * @param routingId the route at the peer
     * @param message a {@link Sync} record or method call
     * @param timeout how long to wait for the reply
     * @return the reply (null for a {@code Void} reply)
     * @throws SyncTimeoutException when no reply came within {@code timeout}
     * @throws PeerClosedCallException when the peer closed or died, or this channel was closed, first
     * @throws ErrorReplyException when the peer's handler failed or nobody there handled it
     * @throws DeliveryThreadCallException when called on a thread that must not block: one that is
     *     delivering messages of any channel (a filter, a listener on a direct executor) or a
     *     Switchboard I/O thread
     * @throws InterruptedCallException when the thread was interrupted while waiting
     * @throws IllegalArgumentException when the message is not declared {@code @Sync} here
     */
    @SuppressWarnings("unchecked")
    public <R> R sendSync(int routingId, Object message, Duration timeout) {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(timeout, "timeout");
        MessageType t = typeOf(message);
        if (!t.sync) {
            throw new IllegalArgumentException(t.name + " is not @Sync");
        }
        return (R) await(t, routingId, message, timeout);
    }

    /**
     * {@link #call(int, Object)} to the control listener.
     *
     * @param <R> the reply type
     * @param message an answered record or method call
     * @return the reply's future
     */
    public <R> CompletableFuture<R> call(Object message) {
        return call(MessageRouter.CONTROL, message);
    }

    /**
     * Sends an answered message without blocking. The future completes on the listener's
     * executor, in order with the channel's other messages, or fails with a
     * {@link SyncCallException} (error reply, peer closed).
     *
     * @param <R> the reply type
     * @param routingId the route at the peer
     * @param message an answered record or method call
     * @return the reply's future
     * @throws IllegalArgumentException when the message is not declared here, is one-way, or holds a null
     */
    @SuppressWarnings("unchecked")
    public <R> CompletableFuture<R> call(int routingId, Object message) {
        Objects.requireNonNull(message, "message");
        MessageType t = typeOf(message);
        if (!t.expectsReply()) {
            throw new IllegalArgumentException(t.name + " is not answered: send it with send");
        }
        CompletableFuture<Object> f = new CompletableFuture<>();
        long id = requestIds.incrementAndGet();
        Pending p = new Pending(t.typeId, id, null, f);
        pending.put(id, p);
        try {
            write(MessageCodec.encodeRequest(types, routingId, message, MessageHeader.EXPECTS_REPLY, id));
        } catch (PipeClosedException e) {
            pending.remove(id);
            f.completeExceptionally(new PeerClosedCallException(t.typeId, t.name + ": the peer is gone"));
        } catch (RuntimeException e) {
            pending.remove(id);
            throw e;
        }
        if (endReason != null) {
            failPending(endReason);
        }
        return (CompletableFuture<R>) f;
    }

    private MessageType typeOf(Object message) {
        return message instanceof MethodCall mc ? types.forMethod(mc.method()) : types.forRecord(message.getClass());
    }

    private Object await(MessageType t, int routingId, Object message, Duration timeout) {
        refuseOnThreadThatMustNotBlock(t);
        long id = requestIds.incrementAndGet();
        // encoding validates the message before any state changes
        Message request = MessageCodec.encodeRequest(types, routingId, message, MessageHeader.SYNC | MessageHeader.EXPECTS_REPLY, id);
        Pending p = new Pending(t.typeId, id, Thread.currentThread(), null);
        pending.put(id, p);
        boolean nested = queue.enterWait(p);
        try {
            if (endReason != null) {
                request.close();
                throw new PeerClosedCallException(t.typeId, t.name + ": " + endReason);
            }
            try {
                write(request);
            } catch (PipeClosedException e) {
                throw new PeerClosedCallException(t.typeId, t.name + ": the peer is gone");
            }
            long start = System.nanoTime();
            long budget = waitNanos(timeout);
            while (!p.isDone()) {
                IncomingMessage nestedCall = nested ? p.reentrant.poll() : null;
                if (nestedCall != null) {
                    dispatch(nestedCall);
                    continue;
                }
                long left = budget - (System.nanoTime() - start); // no overflow, even for a huge timeout
                if (left <= 0) {
                    abandon(id);
                    throw new SyncTimeoutException(t.typeId, t.name + ": no reply within " + timeout.toMillis() + " ms");
                }
                LockSupport.parkNanos(this, left);
                if (Thread.currentThread().isInterrupted() && !p.isDone()) {
                    abandon(id);
                    throw new InterruptedCallException(t.typeId, t.name + ": interrupted while waiting for the reply");
                }
            }
        } finally {
            pending.remove(id);
            if (nested) {
                queue.leaveWait(p);
            }
        }
        if (p.closedReason() != null) {
            throw new PeerClosedCallException(t.typeId, t.name + ": " + p.closedReason());
        }
        if (p.errorReason() != null) {
            throw new ErrorReplyException(t.typeId, t.name + " failed in the peer: " + p.errorReason(), p.errorReason());
        }
        return p.value();
    }

    /**
     * A sync call blocks its thread. On a delivering thread it would stall every channel that thread
     * delivers (its own reply may be among them), and an I/O thread serves many connections; both
     * could only time out. Nested calls are unaffected: they run on the blocked listener thread,
     * which is not delivering.
     */
    private void refuseOnThreadThatMustNotBlock(MessageType t) {
        IpcChannel delivering = DELIVERING.get();
        if (delivering != null) {
            String whose = delivering == this ? "this channel's" : "another channel's (" + delivering.types + ")";
            throw new DeliveryThreadCallException(t.typeId, t.name + ": a sync call on the thread delivering " + whose
                    + " messages (a filter, or a listener on a direct executor) would block that delivery");
        }
        if (NodeController.onIoThread()) {
            throw new DeliveryThreadCallException(t.typeId, t.name + ": a sync call on a Switchboard I/O thread, which must"
                    + " never block");
        }
    }

    private static long waitNanos(Duration timeout) {
        if (timeout.isNegative()) {
            return 0;
        }
        try {
            return timeout.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private void abandon(long id) {
        if (pending.remove(id) != null) {
            if (abandoned.size() >= MAX_ABANDONED) {
                abandoned.clear();
            }
            abandoned.put(id, Boolean.TRUE);
        }
    }

    void sendReply(IncomingMessage m, Object value) {
        Message reply;
        try {
            reply = MessageCodec.encodeReply(types, m.routingId(), m.typeId(), m.header().requestId(), value);
        } catch (RuntimeException e) {
            sendErrorReply(m, "the reply could not be encoded: " + e.getMessage());
            throw e;
        }
        writeQuietly(reply, m);
    }

    void sendErrorReply(IncomingMessage m, String reason) {
        writeQuietly(MessageCodec.encodeErrorReply(m.routingId(), m.typeId(), m.header().requestId(), String.valueOf(reason)), m);
    }

    private void writeQuietly(Message reply, IncomingMessage to) {
        try {
            write(reply);
        } catch (PipeClosedException e) {
            log.debug("reply to {} dropped: the peer is gone", to.name());
        }
    }

    /**
     * Writes now, unless this thread is delivering messages (of any channel) and is not a
     * Switchboard I/O thread: see {@link DeferredWriter}. An I/O thread delivers at the end of its
     * frame callback, holding no pipe's lock, and a pipe write there never waits
     * ({@link MessagePipe#write}), so a filter's or direct listener's reply leaves at once instead
     * of costing a hand-off to another thread.
     */
    private void write(Message m) {
        if (closed) {
            m.close();
            throw new PipeClosedException("typed channel is closed");
        }
        writer.write(m, DELIVERING.get() != null && !NodeController.onIoThread());
    }

    // ------------------------------------------------------------------ receiving (delivering thread)

    private void deliver(Message raw) {
        IpcChannel outer = DELIVERING.get();
        DELIVERING.set(this);
        try {
            deliverDecoded(raw);
        } finally {
            if (outer == null) {
                DELIVERING.remove();
            } else {
                DELIVERING.set(outer);
            }
        }
    }

    private void deliverDecoded(Message raw) {
        if (closed) {
            raw.close();
            return;
        }
        List<PlatformHandle> hs = raw.takeHandles();
        List<MessagePipe> ps = raw.takePipes();
        List<SharedBuffer> bs = raw.takeSharedBuffers();
        if (!bs.isEmpty()) {
            // no field type of a typed message takes a shared buffer yet: nothing could claim them
            bs.forEach(SharedBuffer::close);
            hs.forEach(PlatformHandle::close);
            ps.forEach(MessagePipe::close);
            int typeId = peekTypeId(raw.bytes());
            reportBad(raw, BadMessage.Kind.MALFORMED, typeId, PickleException.Reason.UNCLAIMED_HANDLES,
                    MessageTypes.describe(typeId) + ": carries " + bs.size() + " shared buffers, which typed messages do not carry");
            return;
        }
        DecodedMessage d;
        try {
            d = MessageCodec.decode(types, raw.bytes(), hs, ps);
        } catch (PickleException e) {
            int typeId = peekTypeId(raw.bytes());
            BadMessage.Kind kind = e.reason() == PickleException.Reason.UNKNOWN_TYPE ? BadMessage.Kind.UNKNOWN_TYPE : BadMessage.Kind.MALFORMED;
            reportBad(raw, kind, typeId, e.reason(), MessageTypes.describe(typeId) + ": " + e.getMessage());
            return;
        }
        MessageHeader h = d.header();
        if (h.isReply()) {
            onReply(raw, d, hs, ps);
            return;
        }
        IncomingMessage m = new IncomingMessage(this, raw, d, hs, ps);
        for (MessageFilter f : filters) {
            try {
                if (f.onMessageReceived(m)) {
                    return;
                }
            } catch (RuntimeException e) {
                log.warn("message filter {} threw on {}", f, m.name(), e);
                queue.post(() -> listener.onFilterError(f, e));
            }
        }
        queue.add(m);
    }

    private static int peekTypeId(byte[] b) {
        return b.length >= 8 ? (b[4] & 0xFF) | (b[5] & 0xFF) << 8 | (b[6] & 0xFF) << 16 | (b[7] & 0xFF) << 24 : 0;
    }

    private void onReply(Message raw, DecodedMessage d, List<PlatformHandle> hs, List<MessagePipe> ps) {
        MessageHeader h = d.header();
        Pending p = pending.get(h.requestId());
        if (p == null || p.typeId != h.typeId()) {
            hs.forEach(PlatformHandle::close);
            ps.forEach(MessagePipe::close);
            if (p == null && abandoned.remove(h.requestId()) != null) {
                return; // the caller gave up; a late reply is not the peer's fault
            }
            reportBad(raw, BadMessage.Kind.UNEXPECTED_REPLY, h.typeId(), null,
                    "a reply to " + types.nameOf(h.typeId()) + " with request id " + h.requestId() + " that nobody is waiting for");
            return;
        }
        if (pending.remove(h.requestId()) == null) {
            return; // timed out just now
        }
        String error = h.isErrorReply() ? (String) d.body() : null;
        if (p.waiter != null) {
            p.complete(error == null ? d.body() : null, error, null);
        } else {
            Object value = d.body();
            String name = types.nameOf(p.typeId);
            queue.post(() -> {
                if (error != null) {
                    p.future.completeExceptionally(new ErrorReplyException(p.typeId, name + " failed in the peer: " + error, error));
                } else {
                    p.future.complete(value);
                }
            });
        }
    }

    /** Reports a bad message to the sender's process error handler and to the listener. */
    void reportBad(Message raw, BadMessage.Kind kind, int typeId, PickleException.Reason reason, String text) {
        log.warn("bad message ({}): {}", kind, text);
        raw.reportBadMessage(text);
        BadMessage report = new BadMessage(kind, typeId, reason, text);
        queue.post(() -> listener.onBadMessage(report));
    }

    private void peerClosed() {
        end("the peer closed");
        queue.post(listener::onPeerClosed);
        queue.post(() -> disconnected.complete(null));
    }

    private void end(String reason) {
        synchronized (endLock) {
            if (endReason != null) {
                return;
            }
            endReason = reason;
        }
        failPending(reason);
        for (MessageFilter f : filters) {
            try {
                f.onChannelClosing();
            } catch (RuntimeException e) {
                log.warn("filter {} threw in onChannelClosing", f, e);
            }
        }
    }

    private void failPending(String reason) {
        for (Pending p : pending.values()) {
            if (pending.remove(p.requestId) == null) {
                continue;
            }
            if (p.waiter != null) {
                p.complete(null, null, reason);
            } else {
                String name = types.nameOf(p.typeId);
                queue.post(() -> p.future.completeExceptionally(new PeerClosedCallException(p.typeId, name + ": " + reason)));
            }
        }
    }

    // ------------------------------------------------------------------ the listener (its executor)

    private void dispatch(IncomingMessage m) {
        if (closed) {
            m.closeHandles();
            return;
        }
        boolean handled;
        try {
            handled = listener.onMessage(m);
        } catch (RuntimeException e) {
            log.warn("handler of {} threw", m.name(), e);
            m.replyErrorIfUnanswered(m.name() + ": the handler threw " + e.getClass().getSimpleName());
            return;
        }
        if (!handled) {
            m.closeHandles();
            m.replyErrorIfUnanswered(m.name() + ": no handler (routing id " + m.routingId() + ")");
        }
    }

    // ------------------------------------------------------------------ closing

    /**
     * Closes the channel and its pipe: pending calls fail with {@link PeerClosedCallException},
     * queued messages are dropped (their handles closed), filters are told and removed.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        end("the channel was closed");
        for (MessageFilter f : filters) {
            filters.remove(f);
            try {
                f.onFilterRemoved();
            } catch (RuntimeException e) {
                log.warn("filter {} threw in onFilterRemoved", f, e);
            }
        }
        writer.closePipe(); // after the replies a filter queued just before
        queue.dropMessages().forEach(IncomingMessage::closeHandles);
        disconnected.complete(null);
    }

    @Override
    public String toString() {
        return "IpcChannel(" + types + ", " + pipe + ")";
    }
}

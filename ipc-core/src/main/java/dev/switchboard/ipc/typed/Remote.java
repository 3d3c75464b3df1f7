package dev.switchboard.ipc.typed;

import dev.switchboard.ipc.MessagePipe;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The calling side of a Java interface over a channel (Mojo's Remote, without an IDL): a
 * {@link java.lang.reflect.Proxy} whose {@code void} methods send one-way messages, whose methods
 * returning {@code CompletableFuture<R>} are asynchronous calls, and whose {@link Sync} methods
 * block until the reply (or time out: {@link #DEFAULT_SYNC_TIMEOUT} unless given). The interface
 * is annotated {@link MessageClass}, each method {@link MessageId}; the peer binds an
 * implementation with {@link Receiver}.
 *
 * @param <T> the interface
 */
public final class Remote<T> implements AutoCloseable {

    /** How long a {@link Sync} method waits when no timeout was given. */
    public static final Duration DEFAULT_SYNC_TIMEOUT = Duration.ofSeconds(30);

    private static final int ONE_WAY = 0;
    private static final int ASYNC = 1;
    private static final int SYNC = 2;

    private final IpcChannel channel;
    private final boolean ownsChannel;
    private final T proxy;

    private Remote(IpcChannel channel, boolean ownsChannel, Class<T> iface, int routingId, Duration syncTimeout) {
        this.channel = channel;
        this.ownsChannel = ownsChannel;
        MessageTypes types = channel.types();
        // how each method is sent, decided once rather than on every call
        Map<Method, Integer> kinds = new HashMap<>();
        for (Method m : iface.getMethods()) {
            if (java.lang.reflect.Modifier.isAbstract(m.getModifiers())) {
                types.forMethod(m); // every method must be declared in the channel's types
                kinds.put(m, m.isAnnotationPresent(Sync.class) ? SYNC : m.getReturnType() == CompletableFuture.class ? ASYNC : ONE_WAY);
            }
        }
        Map<Method, Integer> table = Map.copyOf(kinds);
        Object[] noArgs = new Object[0];
        InvocationHandler h = (self, method, args) -> {
            Integer kind = table.get(method);
            if (kind == null) {
                if (method.getDeclaringClass() == Object.class) {
                    return objectMethod(self, method, args);
                }
                return InvocationHandler.invokeDefault(self, method, args);
            }
            MethodCall call = new MethodCall(method, args == null ? noArgs : args);
            switch (kind) {
                case SYNC:
                    return channel.sendSync(routingId, call, syncTimeout);
                case ASYNC:
                    return channel.call(routingId, call);
                default:
                    channel.send(routingId, call);
                    return null;
            }
        };
        this.proxy = iface.cast(Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[] {iface}, h));
    }

    private Object objectMethod(Object self, Method method, Object[] args) {
        switch (method.getName()) {
            case "equals":
                return self == args[0];
            case "hashCode":
                return System.identityHashCode(self);
            default:
                return "Remote(" + channel + ")";
        }
    }

    /**
     * Binds {@code iface} over {@code pipe}; futures complete on a shared daemon thread and
     * {@link Sync} methods wait at most {@link #DEFAULT_SYNC_TIMEOUT}.
     *
     * @param <T> the interface
     * @param pipe the pipe end, now owned by the remote (closing the remote closes it)
     * @param iface the {@link MessageClass} interface
     * @return the remote
     * @throws IllegalArgumentException when {@code iface} is not a valid message interface
     */
    public static <T> Remote<T> bind(MessagePipe pipe, Class<T> iface) {
        return bind(pipe, iface, SharedThreads.POOL, DEFAULT_SYNC_TIMEOUT);
    }

    /**
     * Binds {@code iface} over {@code pipe} (now owned by the remote). Futures of asynchronous
     * calls complete on {@code executor}; {@link Sync} methods wait at most {@code syncTimeout}.
     *
     * @param <T> the interface
     * @param pipe the pipe end, now owned by the remote (closing the remote closes it)
     * @param iface the {@link MessageClass} interface
     * @param executor completes the futures of asynchronous calls, in order
     * @param syncTimeout how long a {@link Sync} method waits for its reply
     * @return the remote
     * @throws IllegalArgumentException when {@code iface} is not a valid message interface
     */
    public static <T> Remote<T> bind(MessagePipe pipe, Class<T> iface, Executor executor, Duration syncTimeout) {
        Objects.requireNonNull(syncTimeout, "syncTimeout");
        MessageTypes types = MessageTypes.of(iface);
        // the peer only ever answers: anything else it sends is a bad message
        IpcChannel c = IpcChannel.over(pipe, types, MessageMap.builder().unhandledError().build(), executor);
        return new Remote<>(c, true, iface, MessageRouter.CONTROL, syncTimeout);
    }

    /**
     * A remote over an existing channel, sending with {@code routingId}; {@code iface} must be
     * among the channel's types. Closing this remote leaves the channel open.
     *
     * @param <T> the interface
     * @param channel the channel, still owned by the caller
     * @param routingId the route at the peer that implements {@code iface}
     * @param iface the {@link MessageClass} interface
     * @param syncTimeout how long a {@link Sync} method waits for its reply
     * @return the remote
     * @throws IllegalArgumentException when a method of {@code iface} is not declared in the channel's types
     */
    public static <T> Remote<T> over(IpcChannel channel, int routingId, Class<T> iface, Duration syncTimeout) {
        return new Remote<>(channel, false, iface, routingId, syncTimeout);
    }

    /**
     * The proxy to call; thread-safe.
     *
     * @return the proxy implementing the interface
     */
    public T proxy() {
        return proxy;
    }

    /**
     * The channel the remote sends on.
     *
     * @return the channel (owned by this remote only when it was made by {@code bind})
     */
    public IpcChannel channel() {
        return channel;
    }

    /**
     * Completes once the implementation is gone: when the peer closed or its process died (on the
     * executor, after the replies it sent), or the channel was closed. Calls made after that fail
     * with {@link PeerClosedCallException} or {@code PipeClosedException}. See
     * {@link IpcChannel#disconnected()}.
     *
     * @return a future that completes normally, once
     */
    public CompletableFuture<Void> disconnected() {
        return channel.disconnected();
    }

    /** Closes the channel (and pipe) when this remote made it. */
    @Override
    public void close() {
        if (ownsChannel) {
            channel.close();
        }
    }
}

package dev.switchboard.ipc.typed;

import dev.switchboard.ipc.MessagePipe;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * The implementing side of a Java interface over a channel (Mojo's Receiver): each incoming
 * method message calls the implementation on the executor, in order. A {@link Sync} method's
 * return value is its reply; a {@code CompletableFuture} method replies when its future
 * completes; a method that throws (or a future that fails) sends an error reply naming the method.
 * Method handles are resolved once, when bound.
 *
 * @param <T> the interface
 */
public final class Receiver<T> implements AutoCloseable {

    private static final MethodType INVOKE = MethodType.methodType(Object.class, Object[].class);

    private final IpcChannel channel;

    private Receiver(IpcChannel channel) {
        this.channel = channel;
    }

    /**
     * Binds {@code impl} over {@code pipe}.
     *
     * @param <T> the interface
     * @param pipe the pipe end, now owned by the receiver (closing the receiver closes it)
     * @param iface the {@link MessageClass} interface
     * @param impl the implementation; its methods run on {@code executor}, one call at a time
     * @param executor runs the calls in arrival order; {@link IpcChannel#DIRECT} runs them on the
     *     delivery thread, for an implementation whose methods never block
     * @return the receiver
     * @throws IllegalArgumentException when {@code iface} is not a valid message interface
     */
    public static <T> Receiver<T> bind(MessagePipe pipe, Class<T> iface, T impl, Executor executor) {
        MessageTypes types = MessageTypes.of(iface);
        return new Receiver<>(IpcChannel.over(pipe, types, listener(iface, impl), executor));
    }

    /**
     * A listener that calls {@code impl} for the method messages of {@code iface}, to put on a
     * route of a {@link MessageRouter} or behind a {@link MessageMap}. Messages of other types
     * are not handled.
     *
     * @param <T> the interface
     * @param iface the {@link MessageClass} interface
     * @param impl the implementation to call
     * @return a listener for the interface's method messages
     * @throws IllegalArgumentException when a method of {@code iface} is not accessible
     */
    public static <T> IpcListener listener(Class<T> iface, T impl) {
        Objects.requireNonNull(impl, "impl");
        Map<Method, MethodHandle> handles = new HashMap<>();
        for (Method m : iface.getMethods()) {
            if (!Modifier.isAbstract(m.getModifiers())) {
                continue;
            }
            try {
                m.setAccessible(true);
                MethodHandle h = MethodHandles.lookup().unreflect(m).bindTo(impl)
                        .asSpreader(Object[].class, m.getParameterCount()).asType(INVOKE);
                handles.put(m, h);
            } catch (IllegalAccessException | RuntimeException e) {
                throw new IllegalArgumentException(iface.getName() + "." + m.getName() + " is not accessible: " + e, e);
            }
        }
        Map<Method, MethodHandle> table = Map.copyOf(handles);
        return message -> {
            if (!(message.message() instanceof MethodCall call)) {
                return false;
            }
            MethodHandle h = table.get(call.method());
            if (h == null) {
                return false;
            }
            invoke(h, call, message);
            return true;
        };
    }

    private static void invoke(MethodHandle h, MethodCall call, IncomingMessage message) {
        Object result;
        try {
            result = (Object) h.invokeExact(call.rawArgs());
        } catch (RuntimeException | Error e) {
            throw e instanceof RuntimeException r ? r : new CompletionException(e);
        } catch (Throwable t) {
            // a checked exception from the implementation
            throw new CompletionException(t);
        }
        if (!message.expectsReply()) {
            return;
        }
        if (message.isSync() || !(result instanceof CompletableFuture<?>)) {
            message.reply(result);
            return;
        }
        ((CompletableFuture<?>) result).whenComplete((v, e) -> {
            if (e != null) {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                message.replyError(message.name() + ": " + cause.getClass().getSimpleName());
            } else {
                message.reply(v);
            }
        });
    }

    /**
     * The channel the receiver listens on, e.g. to add a filter.
     *
     * @return the channel, owned by this receiver
     */
    public IpcChannel channel() {
        return channel;
    }

    /**
     * Completes once the caller is gone (Mojo's disconnect handler): after the last call the peer
     * sent has run, on the executor, when the peer closed or its process died; or when this
     * receiver is closed. See {@link IpcChannel#disconnected()}.
     *
     * @return a future that completes normally, once
     */
    public CompletableFuture<Void> disconnected() {
        return channel.disconnected();
    }

    /** Closes the channel and its pipe. */
    @Override
    public void close() {
        channel.close();
    }
}

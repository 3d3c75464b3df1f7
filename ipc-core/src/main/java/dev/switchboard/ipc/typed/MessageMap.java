package dev.switchboard.ipc.typed;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Dispatch by message class, without macros: one handler per record type, looked up by the
 * decoded value's class (one hash lookup, no reflection).
 *
 * <pre>{@code
 * IpcListener map = MessageMap.builder()
 *     .on(HistogramData.class, this::onHistogram)
 *     .forward(Paint.class, view::onPaint)
 *     .onSync(GetCookies.class, this::cookiesFor)
 *     .unhandledError()
 *     .build();
 * }</pre>
 *
 * A sync handler's return value is the reply; if it throws, the caller gets an error reply naming
 * the message. A message without a handler is not handled (the next listener may take it), or,
 * after {@link Builder#unhandledError()}, reported as a bad message.
 */
public final class MessageMap implements IpcListener {

    private interface Handler {
        void handle(Object body, IncomingMessage m);
    }

    private final Map<Class<?>, Handler> handlers;
    private final boolean unhandledError;
    private final IpcListener fallback;
    private final Consumer<BadMessage> onBad;
    private final Runnable onPeerClosed;

    private MessageMap(Builder b) {
        this.handlers = Map.copyOf(b.handlers);
        this.unhandledError = b.unhandledError;
        this.fallback = b.fallback;
        this.onBad = b.onBad;
        this.onPeerClosed = b.onPeerClosed;
    }

    /**
     * Starts a map with no handlers.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public boolean onMessage(IncomingMessage message) {
        Handler h = handlers.get(message.message().getClass());
        if (h != null) {
            h.handle(message.message(), message);
            return true;
        }
        if (fallback != null && fallback.onMessage(message)) {
            return true;
        }
        if (unhandledError) {
            message.reportUnhandled();
        }
        return false;
    }

    @Override
    public void onBadMessage(BadMessage report) {
        if (onBad != null) {
            onBad.accept(report);
        } else if (fallback != null) {
            fallback.onBadMessage(report);
        }
    }

    @Override
    public void onPeerClosed() {
        if (onPeerClosed != null) {
            onPeerClosed.run();
        } else if (fallback != null) {
            fallback.onPeerClosed();
        }
    }

    /** Collects the handlers of a {@link MessageMap}; not thread-safe, build once. */
    public static final class Builder {
        private final Map<Class<?>, Handler> handlers = new HashMap<>();
        private boolean unhandledError;
        private IpcListener fallback;
        private Consumer<BadMessage> onBad;
        private Runnable onPeerClosed;

        private Builder() {}

        private void put(Class<?> type, Handler h) {
            Objects.requireNonNull(type, "type");
            if (handlers.putIfAbsent(type, h) != null) {
                throw new IllegalArgumentException("two handlers for " + type.getName());
            }
        }

        private static void requireAsync(Class<?> type) {
            if (type.isAnnotationPresent(Sync.class)) {
                throw new IllegalArgumentException(type.getSimpleName() + " is @Sync: handle it with onSync (or onIncoming and reply)");
            }
        }

        /**
         * Calls {@code handler} with each {@code type} message.
         *
         * @param <M> the message type
         * @param type a one-way record message (not {@code @Sync})
         * @param handler runs on the listener's executor; it owns the handles and pipes in the message
         * @return this builder
         * @throws IllegalArgumentException when {@code type} is {@code @Sync} or already has a handler
         */
        public <M> Builder on(Class<M> type, Consumer<? super M> handler) {
            requireAsync(type);
            Objects.requireNonNull(handler, "handler");
            put(type, (b, m) -> handler.accept(type.cast(b)));
            return this;
        }

        /**
         * Same as {@link #on}: names the intent of handing the message to another object.
         *
         * @param <M> the message type
         * @param type a one-way record message (not {@code @Sync})
         * @param handler the object's method to call, on the listener's executor
         * @return this builder
         * @throws IllegalArgumentException when {@code type} is {@code @Sync} or already has a handler
         */
        public <M> Builder forward(Class<M> type, Consumer<? super M> handler) {
            return on(type, handler);
        }

        /**
         * Calls {@code handler} with the message and its {@link IncomingMessage} (to reply later,
         * report it, read the route). For a request, the handler must see that it is answered.
         *
         * @param <M> the message type
         * @param type any record message, answered or not
         * @param handler runs on the listener's executor
         * @return this builder
         * @throws IllegalArgumentException when {@code type} already has a handler
         */
        public <M> Builder onIncoming(Class<M> type, BiConsumer<? super M, IncomingMessage> handler) {
            Objects.requireNonNull(handler, "handler");
            put(type, (b, m) -> handler.accept(type.cast(b), m));
            return this;
        }

        /**
         * Answers each {@code type} message (declared {@code @Sync}) with what {@code handler}
         * returns; if it throws, the caller gets an error reply.
         *
         * @param <M> the message type
         * @param <R> the reply type, as declared by {@link Sync#reply()}
         * @param type a {@code @Sync} record message
         * @param handler computes the reply, on the listener's executor
         * @return this builder
         * @throws IllegalArgumentException when {@code type} is not {@code @Sync} or already has a handler
         */
        public <M, R> Builder onSync(Class<M> type, Function<? super M, ? extends R> handler) {
            if (!type.isAnnotationPresent(Sync.class)) {
                throw new IllegalArgumentException(type.getSimpleName() + " is not @Sync: handle it with on");
            }
            Objects.requireNonNull(handler, "handler");
            put(type, (b, m) -> m.reply(handler.apply(type.cast(b))));
            return this;
        }

        /**
         * Offers messages without a handler here to {@code listener}; it also gets bad-message
         * and peer-closed calls unless this map has its own handler for them.
         *
         * @param listener the next listener, e.g. a {@link Receiver#listener} or another map
         * @return this builder
         */
        public Builder fallback(IpcListener listener) {
            this.fallback = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * A message that no handler (nor the fallback) takes is reported as a bad message
         * ({@link BadMessage.Kind#UNHANDLED}), which usually gets the sender killed.
         *
         * @return this builder
         */
        public Builder unhandledError() {
            this.unhandledError = true;
            return this;
        }

        /**
         * Handles {@link IpcListener#onBadMessage} instead of the fallback.
         *
         * @param handler runs on the listener's executor
         * @return this builder
         */
        public Builder onBadMessage(Consumer<BadMessage> handler) {
            this.onBad = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Handles {@link IpcListener#onPeerClosed} instead of the fallback.
         *
         * @param handler runs on the listener's executor, once, after the last message
         * @return this builder
         */
        public Builder onPeerClosed(Runnable handler) {
            this.onPeerClosed = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * The map; later changes to this builder do not affect it.
         *
         * @return a thread-safe listener
         */
        public MessageMap build() {
            return new MessageMap(this);
        }
    }
}

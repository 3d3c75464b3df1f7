package dev.switchboard.ipc.typed;

import dev.switchboard.ipc.pickle.ParamCodec;
import dev.switchboard.ipc.pickle.Pickle;
import dev.switchboard.ipc.pickle.PickleReader;
import java.lang.reflect.Method;

/** One registered message: its id, name, body codec and (for answered messages) reply codec. Immutable. */
final class MessageType {

    /** The body of a reply that carries nothing ({@code Void} / {@code void}). */
    static final ParamCodec<Object> EMPTY = new ParamCodec<>() {
        @Override
        public void write(Pickle p, Object v) {}

        @Override
        public Object read(PickleReader r) {
            return null;
        }
    };

    final int typeId;
    final String name;
    /** The record class, or null for a method message. */
    final Class<?> recordClass;
    /** The interface method, or null for a record message. */
    final Method method;
    final ParamCodec<Object> body;
    /** Null when the message is not answered. */
    final ParamCodec<Object> reply;
    /** A record declared {@code @Sync} or a method declared {@code @Sync}: may be sent blocking. */
    final boolean sync;

    MessageType(int typeId, String name, Class<?> recordClass, Method method, ParamCodec<Object> body,
                ParamCodec<Object> reply, boolean sync) {
        this.typeId = typeId;
        this.name = name;
        this.recordClass = recordClass;
        this.method = method;
        this.body = body;
        this.reply = reply;
        this.sync = sync;
    }

    boolean expectsReply() {
        return reply != null;
    }

    @Override
    public String toString() {
        return name;
    }
}

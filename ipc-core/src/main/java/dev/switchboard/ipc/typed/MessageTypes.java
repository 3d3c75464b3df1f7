package dev.switchboard.ipc.typed;

import dev.switchboard.ipc.pickle.ParamCodec;
import dev.switchboard.ipc.pickle.ParamCodecs;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The closed registry of message types one side of a channel accepts and sends: built once from
 * the declarations you pass, and nothing else. A type id that is not in it is an unknown type,
 * however well-formed the bytes; no class is ever looked up by a name or id from the wire.
 *
 * <p>A type id is {@code (class << 16) | id} from {@link MessageClass} and {@link MessageId}, so it
 * is the same in every build. Building fails on a duplicate id (naming both messages), a message
 * without an id, a reused class id, or a field type without a codec. Everything that decoding
 * needs (codecs, record constructors, method handles) is resolved here. Immutable and
 * thread-safe.
 */
public final class MessageTypes {

    /** Every name registered in this JVM, for {@link #describe(int)}. */
    private static final Map<Integer, String> NAMES = new ConcurrentHashMap<>();

    private final ParamCodecs codecs;
    private final int[] ids;
    private final MessageType[] types;
    private final Map<Class<?>, MessageType> byRecord;
    private final Map<Method, MessageType> byMethod;
    private final List<Class<?>> declarations;

    private MessageTypes(ParamCodecs codecs, List<Class<?>> declarations, Map<Integer, MessageType> all,
                         Map<Class<?>, MessageType> byRecord, Map<Method, MessageType> byMethod) {
        this.codecs = codecs;
        this.declarations = declarations;
        this.ids = all.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
        this.types = new MessageType[ids.length];
        for (int i = 0; i < ids.length; i++) {
            types[i] = all.get(ids[i]);
        }
        this.byRecord = byRecord;
        this.byMethod = byMethod;
    }

    /**
     * A registry of {@code declarations} with the built-in codecs; see
     * {@link #of(ParamCodecs, Class...)} for what a declaration is.
     *
     * @param declarations the {@link MessageClass} interfaces
     * @return the registry, immutable and thread-safe
     * @throws IllegalArgumentException naming what is wrong with a declaration
     */
    public static MessageTypes of(Class<?>... declarations) {
        return of(ParamCodecs.defaults(), declarations);
    }

    /**
     * A registry of {@code declarations}: each is a sealed interface annotated
     * {@link MessageClass} whose permitted subclasses are records annotated {@link MessageId},
     * or an interface annotated {@link MessageClass} whose abstract methods are annotated
     * {@link MessageId}.
     *
     * @param codecs the codecs of fields, parameters and replies
     * @param declarations the {@link MessageClass} interfaces
     * @return the registry, immutable and thread-safe
     * @throws IllegalArgumentException naming what is wrong: a missing annotation, an id out of
     *     range, two messages with one type id (both named), two declarations with one class id,
     *     a field or parameter type without a codec, a method with an unsupported return type
     */
    public static MessageTypes of(ParamCodecs codecs, Class<?>... declarations) {
        Objects.requireNonNull(codecs, "codecs");
        Map<Integer, MessageType> all = new HashMap<>();
        Map<Class<?>, MessageType> byRecord = new HashMap<>();
        Map<Method, MessageType> byMethod = new HashMap<>();
        Map<Integer, Class<?>> classIds = new HashMap<>();
        for (Class<?> d : declarations) {
            MessageClass mc = d.getAnnotation(MessageClass.class);
            if (mc == null || !d.isInterface()) {
                throw new IllegalArgumentException(d.getName() + " is not an interface annotated @MessageClass");
            }
            if (mc.id() <= 0 || mc.id() >= 0xFFFF) {
                throw new IllegalArgumentException(d.getName() + ": message class id " + mc.id() + " outside 1..0xFFFE");
            }
            Class<?> prev = classIds.putIfAbsent(mc.id(), d);
            if (prev != null) {
                throw new IllegalArgumentException("message class id 0x" + Integer.toHexString(mc.id()) + " is declared by both "
                        + prev.getName() + " and " + d.getName());
            }
            String className = mc.name().isEmpty() ? d.getSimpleName() : mc.name();
            if (d.isSealed()) {
                for (Class<?> r : d.getPermittedSubclasses()) {
                    MessageType t = recordType(codecs, mc.id(), className, r);
                    add(all, t);
                    byRecord.put(r, t);
                }
            } else {
                for (Method m : d.getMethods()) {
                    if (!Modifier.isAbstract(m.getModifiers())) {
                        continue;
                    }
                    MessageType t = methodType(codecs, mc.id(), className, m);
                    add(all, t);
                    byMethod.put(m, t);
                }
            }
        }
        for (MessageType t : all.values()) {
            NAMES.putIfAbsent(t.typeId, t.name);
        }
        return new MessageTypes(codecs, List.of(declarations), all, Map.copyOf(byRecord), Map.copyOf(byMethod));
    }

    private static void add(Map<Integer, MessageType> all, MessageType t) {
        MessageType prev = all.putIfAbsent(t.typeId, t);
        if (prev != null) {
            throw new IllegalArgumentException("type id " + hex(t.typeId) + " is declared by both " + prev.name + " and " + t.name);
        }
    }

    private static int messageId(MessageId id, String what) {
        if (id == null) {
            throw new IllegalArgumentException(what + " has no @MessageId");
        }
        if (id.value() < 0 || id.value() > 0xFFFF) {
            throw new IllegalArgumentException(what + ": message id " + id.value() + " outside 0..0xFFFF");
        }
        return id.value();
    }

    @SuppressWarnings("unchecked")
    private static MessageType recordType(ParamCodecs codecs, int classId, String className, Class<?> r) {
        String name = className + "." + r.getSimpleName();
        if (!r.isRecord()) {
            throw new IllegalArgumentException(name + " is not a record (messages of a sealed @MessageClass are records)");
        }
        int id = messageId(r.getAnnotation(MessageId.class), name);
        ParamCodec<Object> body = (ParamCodec<Object>) codecs.codecFor(r);
        Sync sync = r.getAnnotation(Sync.class);
        ParamCodec<Object> reply = null;
        if (sync != null) {
            reply = sync.reply() == Void.class ? MessageType.EMPTY : (ParamCodec<Object>) codecs.codecFor(sync.reply());
        }
        return new MessageType((classId << 16) | id, name, r, null, body, reply, sync != null);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static MessageType methodType(ParamCodecs codecs, int classId, String className, Method m) {
        String name = className + "." + m.getName();
        int id = messageId(m.getAnnotation(MessageId.class), name);
        Type[] ps = m.getGenericParameterTypes();
        ParamCodec<Object>[] params = new ParamCodec[ps.length];
        for (int i = 0; i < ps.length; i++) {
            try {
                params[i] = (ParamCodec<Object>) codecs.codecFor(ps[i]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name + " parameter " + i + ": " + e.getMessage(), e);
            }
        }
        boolean sync = m.isAnnotationPresent(Sync.class);
        Type ret = m.getGenericReturnType();
        ParamCodec<Object> reply;
        if (sync) {
            reply = ret == void.class || ret == Void.class ? MessageType.EMPTY : (ParamCodec<Object>) codecs.codecFor(ret);
        } else if (ret == void.class) {
            reply = null;
        } else if (ret instanceof ParameterizedType pt && pt.getRawType() == CompletableFuture.class) {
            Type r = pt.getActualTypeArguments()[0];
            reply = r == Void.class ? MessageType.EMPTY : (ParamCodec<Object>) codecs.codecFor(r);
        } else {
            throw new IllegalArgumentException(name + " returns " + ret.getTypeName()
                    + "; a method message returns void (one-way), CompletableFuture<R> (async call), or anything when @Sync");
        }
        return new MessageType((classId << 16) | id, name, null, m, new ArgsCodec(m, params), reply, sync);
    }

    /**
     * The type id of a record message.
     *
     * @param messageClass the record class
     * @return its type id
     * @throws IllegalArgumentException when not registered
     */
    public int typeIdOf(Class<?> messageClass) {
        return forRecord(messageClass).typeId;
    }

    /**
     * The type id of a method message.
     *
     * @param method the interface method
     * @return its type id
     * @throws IllegalArgumentException when not registered
     */
    public int typeIdOf(Method method) {
        return forMethod(method).typeId;
    }

    /**
     * Whether a type id is one of this registry's messages.
     *
     * @param typeId the type id
     * @return true when registered here
     */
    public boolean contains(int typeId) {
        return Arrays.binarySearch(ids, typeId) >= 0;
    }

    /**
     * Whether messages of a type are answered (sync records, async or sync methods).
     *
     * @param typeId the type id
     * @return true when registered here and answered
     */
    public boolean expectsReply(int typeId) {
        MessageType t = byId(typeId);
        return t != null && t.expectsReply();
    }

    /**
     * Every registered type id.
     *
     * @return the ids, ascending, in an unmodifiable list
     */
    public List<Integer> typeIds() {
        return Collections.unmodifiableList(Arrays.stream(ids).boxed().toList());
    }

    /**
     * The declarations this registry was built from.
     *
     * @return the declarations in the order given, in an unmodifiable list
     */
    public List<Class<?>> declarations() {
        return declarations;
    }

    /**
     * The codecs this registry resolved its types with.
     *
     * @return the codecs
     */
    public ParamCodecs codecs() {
        return codecs;
    }

    /**
     * The name of a type id.
     *
     * @param typeId the type id
     * @return its name in this registry ("ChildProcess.GetCookies"), or {@link #describe(int)} of it
     */
    public String nameOf(int typeId) {
        MessageType t = byId(typeId);
        return t != null ? t.name : describe(typeId);
    }

    /**
     * A readable name for any type id: the registered name ("ChildProcess.GetCookies") when any
     * registry in this JVM declared it, else "unknown type 0x1c0098 (class 0x1c, id 152)".
     *
     * @param typeId any type id, e.g. one read off the wire
     * @return the readable name
     */
    public static String describe(int typeId) {
        String n = NAMES.get(typeId);
        return n != null ? n : "unknown type " + hex(typeId) + " (class 0x" + Integer.toHexString(typeId >>> 16)
                + ", id " + (typeId & 0xFFFF) + ")";
    }

    /**
     * Composes a type id.
     *
     * @param messageClass the {@link MessageClass} id, 0 to 0xFFFF
     * @param messageId the {@link MessageId}, 0 to 0xFFFF
     * @return {@code (messageClass << 16) | messageId}
     * @throws IllegalArgumentException when either is outside 16 bits
     */
    public static int typeId(int messageClass, int messageId) {
        if (messageClass < 0 || messageClass > 0xFFFF || messageId < 0 || messageId > 0xFFFF) {
            throw new IllegalArgumentException("class and id are 16-bit: " + messageClass + ", " + messageId);
        }
        return (messageClass << 16) | messageId;
    }

    static String hex(int typeId) {
        return "0x" + Integer.toHexString(typeId);
    }

    MessageType byId(int typeId) {
        int i = Arrays.binarySearch(ids, typeId);
        return i >= 0 ? types[i] : null;
    }

    MessageType forRecord(Class<?> c) {
        MessageType t = byRecord.get(c);
        if (t == null) {
            throw new IllegalArgumentException(c.getName() + " is not a message of this registry (declared: "
                    + declarations.stream().map(Class::getSimpleName).toList() + ")");
        }
        return t;
    }

    MessageType forMethod(Method m) {
        MessageType t = byMethod.get(m);
        if (t == null) {
            throw new IllegalArgumentException(m + " is not a method message of this registry");
        }
        return t;
    }

    @Override
    public String toString() {
        return "MessageTypes" + declarations.stream().map(Class::getSimpleName).toList();
    }
}

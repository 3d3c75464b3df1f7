package dev.switchboard.ipc.pickle;

import java.lang.invoke.MethodHandles;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves the codec for a declared Java type, once, and caches it. Supported out of the box:
 * {@code boolean byte short char int long float double} and their boxes, {@code String},
 * {@code byte[]}, enums, {@code List<T>}, {@code Set<T>}, {@code Map<K, V>}, {@code Optional<T>},
 * {@code UUID}, {@code Instant}, {@code Duration}, {@code URI}, records of supported types (also
 * nested and recursive ones), {@code PlatformHandle} and {@code MessagePipe}; add codecs for your
 * own types with {@link Builder#add}. Anything else (interfaces, wildcards, type variables,
 * arrays other than {@code byte[]}) is refused when resolved, never at run time.
 *
 * <p>Resolution follows only the declared types: the bytes being decoded never choose a class.
 * Thread-safe.
 */
public final class ParamCodecs {

    private static final ParamCodecs DEFAULTS = new ParamCodecs(Map.of(), null);

    private final Map<Class<?>, ParamCodec<?>> user;
    private final MethodHandles.Lookup lookup;
    private final Map<Class<?>, ParamCodec<?>> builtins = BuiltinCodecs.byClass();
    private final Map<Type, ParamCodec<?>> cache = new ConcurrentHashMap<>();
    /** Codecs made by the resolution in progress (guarded by this), published together at its end. */
    private Map<Type, ParamCodec<?>> building;

    private ParamCodecs(Map<Class<?>, ParamCodec<?>> user, MethodHandles.Lookup lookup) {
        this.user = user;
        this.lookup = lookup;
    }

    /**
     * The built-in codecs only, with records resolved without a lookup.
     *
     * @return the shared instance
     */
    public static ParamCodecs defaults() {
        return DEFAULTS;
    }

    /**
     * Starts a set of codecs with your own types added to the built-in ones.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The codec for a class, resolved on first use and cached.
     *
     * @param <T> the class's type
     * @param type the class, e.g. a record or an enum
     * @return the codec, shared between threads
     * @throws IllegalArgumentException naming the type when it has no codec
     */
    @SuppressWarnings("unchecked")
    public <T> ParamCodec<T> codecFor(Class<T> type) {
        return (ParamCodec<T>) codecFor((Type) type);
    }

    /**
     * The codec for a declared (possibly generic) type, e.g. a record component's
     * {@code getGenericType()}.
     *
     * @param type the declared type; its type arguments must be supported types too
     * @return the codec, shared between threads
     * @throws IllegalArgumentException naming the type when it has no codec
     */
    public ParamCodec<?> codecFor(Type type) {
        Objects.requireNonNull(type, "type");
        ParamCodec<?> c = cache.get(type);
        if (c != null) {
            return c;
        }
        synchronized (this) {
            c = cache.get(type);
            if (c != null) {
                return c;
            }
            if (building != null) {
                // nested in a resolution on this thread: a recursive record finds its unfinished codec here
                c = building.get(type);
                return c != null ? c : resolve(type);
            }
            // a top-level resolution: codecs become visible to other threads only once complete
            building = new HashMap<>();
            try {
                c = resolve(type);
                cache.putAll(building);
                return c;
            } finally {
                building = null;
            }
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private ParamCodec<?> resolve(Type type) {
        if (type instanceof Class<?> cls) {
            ParamCodec<?> c = user.get(cls);
            if (c == null) {
                c = builtins.get(cls);
            }
            if (c == null && cls.isEnum()) {
                c = new ContainerCodecs.EnumCodec(cls);
            }
            if (c == null && cls.isRecord()) {
                RecordCodec<?> rc = new RecordCodec<>(cls, lookup);
                building.put(type, rc); // visible to its own components before they resolve
                rc.resolve(this);
                return rc;
            }
            if (c == null) {
                throw new IllegalArgumentException("no codec for " + cls.getName()
                        + " (supported: primitives, boxes, String, byte[], enums, records, List, Set, Map, Optional,"
                        + " UUID, Instant, Duration, URI, PlatformHandle, MessagePipe, and codecs added to ParamCodecs)");
            }
            building.put(type, c);
            return c;
        }
        if (type instanceof ParameterizedType pt && pt.getRawType() instanceof Class<?> raw) {
            Type[] args = pt.getActualTypeArguments();
            ParamCodec<?> c;
            if (raw == List.class) {
                c = new ContainerCodecs.ListCodec(codecFor(args[0]));
            } else if (raw == Set.class) {
                c = new ContainerCodecs.SetCodec(codecFor(args[0]));
            } else if (raw == Map.class) {
                c = new ContainerCodecs.MapCodec(codecFor(args[0]), codecFor(args[1]));
            } else if (raw == Optional.class) {
                c = new ContainerCodecs.OptionalCodec(codecFor(args[0]));
            } else {
                throw new IllegalArgumentException("no codec for " + type.getTypeName()
                        + " (generic types supported: List, Set, Map, Optional)");
            }
            building.put(type, c);
            return c;
        }
        throw new IllegalArgumentException("no codec for " + type.getTypeName()
                + " (wildcards, type variables and generic arrays cannot be decoded safely)");
    }

    /** Collects user codecs. */
    public static final class Builder {
        private final Map<Class<?>, ParamCodec<?>> user = new HashMap<>();
        private MethodHandles.Lookup lookup;

        private Builder() {}

        /**
         * Uses {@code codec} for {@code type} (also overriding a built-in or the record codec).
         *
         * @param <T> the type
         * @param type the exact class the codec handles (not its subclasses)
         * @param codec a stateless codec, shared between threads
         * @return this builder
         * @throws IllegalArgumentException when {@code type} already has a codec in this builder,
         *     or the codec's {@link ParamCodec#minWireSize()} is under 4
         */
        public <T> Builder add(Class<T> type, ParamCodec<T> codec) {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(codec, "codec");
            if (codec.minWireSize() < 4) {
                throw new IllegalArgumentException("codec for " + type.getName() + " claims values under 4 bytes");
            }
            if (user.putIfAbsent(type, codec) != null) {
                throw new IllegalArgumentException("two codecs for " + type.getName());
            }
            return this;
        }

        /**
         * Resolves record accessors and constructors through {@code lookup} (pass
         * {@code MethodHandles.lookup()} from your module when your records are not public or
         * live in a named module). Without one, Switchboard makes them accessible itself, which
         * works on the class path.
         *
         * @param lookup a lookup with access to your records
         * @return this builder
         */
        public Builder lookup(MethodHandles.Lookup lookup) {
            this.lookup = Objects.requireNonNull(lookup, "lookup");
            return this;
        }

        /**
         * The codecs added so far; later changes to this builder do not affect them.
         *
         * @return a new, thread-safe {@code ParamCodecs}
         */
        public ParamCodecs build() {
            return new ParamCodecs(Map.copyOf(user), lookup);
        }
    }
}

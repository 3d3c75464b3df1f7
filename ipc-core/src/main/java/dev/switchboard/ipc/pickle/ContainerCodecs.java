package dev.switchboard.ipc.pickle;

import dev.switchboard.ipc.pickle.PickleException.Reason;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Lists, sets, maps, optionals and enums. Containers are never pre-sized from a count read off
 * the wire: {@link PickleReader#readCount} bounds the count by the bytes left, and the container
 * grows as elements actually decode.
 */
final class ContainerCodecs {

    private ContainerCodecs() {}

    static <E> void writeElements(Pickle p, Collection<E> c, ParamCodec<E> element, String what) {
        p.writeCount(c.size());
        for (E e : c) {
            if (e == null) {
                throw new IllegalArgumentException("null element in a " + what + " (null is not encodable)");
            }
            element.write(p, e);
        }
    }

    static final class ListCodec<E> implements ParamCodec<List<E>> {
        private final ParamCodec<E> element;

        ListCodec(ParamCodec<E> element) {
            this.element = element;
        }

        @Override
        public void write(Pickle p, List<E> v) {
            writeElements(p, v, element, "list");
        }

        @Override
        public List<E> read(PickleReader r) {
            r.enter();
            int n = r.readCount(element.minWireSize());
            if (n == 0) {
                r.exit();
                return Collections.emptyList();
            }
            // a fixed first capacity (ArrayList's own default, allocated now rather than on the
            // first add), never one taken from the count
            List<E> out = new ArrayList<>(10);
            for (int i = 0; i < n; i++) {
                out.add(element.read(r));
            }
            r.exit();
            return Collections.unmodifiableList(out);
        }
    }

    static final class SetCodec<E> implements ParamCodec<Set<E>> {
        private final ParamCodec<E> element;

        SetCodec(ParamCodec<E> element) {
            this.element = element;
        }

        @Override
        public void write(Pickle p, Set<E> v) {
            writeElements(p, v, element, "set");
        }

        @Override
        public Set<E> read(PickleReader r) {
            r.enter();
            int n = r.readCount(element.minWireSize());
            Set<E> out = new LinkedHashSet<>();
            HashSpread spread = new HashSpread();
            for (int i = 0; i < n; i++) {
                E e = element.read(r);
                spread.check(r, e, "set element", i);
                if (!out.add(e)) {
                    throw r.fail(Reason.INVALID_VALUE, "set element " + i + " repeats an earlier one");
                }
            }
            r.exit();
            return Collections.unmodifiableSet(out);
        }
    }

    static final class MapCodec<K, V> implements ParamCodec<Map<K, V>> {
        private final ParamCodec<K> key;
        private final ParamCodec<V> value;

        MapCodec(ParamCodec<K> key, ParamCodec<V> value) {
            this.key = key;
            this.value = value;
        }

        @Override
        public void write(Pickle p, Map<K, V> v) {
            p.writeCount(v.size());
            for (Map.Entry<K, V> e : v.entrySet()) {
                if (e.getKey() == null || e.getValue() == null) {
                    throw new IllegalArgumentException("null key or value in a map (null is not encodable)");
                }
                key.write(p, e.getKey());
                value.write(p, e.getValue());
            }
        }

        @Override
        public Map<K, V> read(PickleReader r) {
            r.enter();
            int n = r.readCount(key.minWireSize() + value.minWireSize());
            Map<K, V> out = new LinkedHashMap<>();
            HashSpread spread = new HashSpread();
            for (int i = 0; i < n; i++) {
                K k = key.read(r);
                spread.check(r, k, "map key", i);
                V v = value.read(r);
                if (out.putIfAbsent(k, v) != null) {
                    throw r.fail(Reason.INVALID_VALUE, "map key " + i + " repeats an earlier one");
                }
            }
            r.exit();
            return Collections.unmodifiableMap(out);
        }

        @Override
        public int minWireSize() {
            return 4;
        }
    }

    /** int32 0 (empty) or 1 followed by the value. */
    static final class OptionalCodec<E> implements ParamCodec<Optional<E>> {
        private final ParamCodec<E> element;

        OptionalCodec(ParamCodec<E> element) {
            this.element = element;
        }

        @Override
        public void write(Pickle p, Optional<E> v) {
            p.writeBool(v.isPresent());
            v.ifPresent(e -> element.write(p, e));
        }

        @Override
        public Optional<E> read(PickleReader r) {
            if (!r.readBool()) {
                return Optional.empty();
            }
            r.enter();
            E e = element.read(r);
            r.exit();
            return Optional.of(e);
        }
    }

    /** int32 ordinal; a value with no constant is an error. */
    static final class EnumCodec<E extends Enum<E>> implements ParamCodec<E> {
        private final E[] constants;
        private final String name;

        EnumCodec(Class<E> type) {
            this.constants = type.getEnumConstants();
            this.name = type.getSimpleName();
        }

        @Override
        public void write(Pickle p, E v) {
            p.writeInt(v.ordinal());
        }

        @Override
        public E read(PickleReader r) {
            int o = r.readInt();
            if (o < 0 || o >= constants.length) {
                throw r.fail(Reason.INVALID_VALUE, "enum " + name + " has no value " + o);
            }
            return constants[o];
        }
    }
}

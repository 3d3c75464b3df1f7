package dev.switchboard.ipc.typed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.switchboard.ipc.pickle.ParamCodec;
import dev.switchboard.ipc.pickle.ParamCodecs;
import dev.switchboard.ipc.pickle.Pickle;
import dev.switchboard.ipc.pickle.PickleException;
import dev.switchboard.ipc.pickle.PickleReader;
import java.lang.reflect.Type;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A peer that picks set elements or map keys with one hash code would make every insert scan all
 * earlier ones (quadratic decoding: 50,000 colliding records took 35 s). A few collisions are
 * ordinary; more than a handful of distinct keys on one hash code are refused.
 */
class HashFloodTest {

    /** Distinct values, one hash code: what a hash-flooding peer sends. */
    record Colliding(int v) {
        @Override
        public int hashCode() {
            return 0;
        }
    }

    Set<Colliding> set;
    Map<Colliding, Integer> map;

    @Test
    void aFewCollidingElementsDecode() {
        Set<Colliding> eight = IntStream.range(0, 8).mapToObj(Colliding::new).collect(Collectors.toCollection(LinkedHashSet::new));
        assertEquals(eight, roundTrip("set", eight));
    }

    @Test
    void setElementsFloodingOneHashCodeAreRefused() {
        Set<Colliding> flood = IntStream.range(0, 50_000).mapToObj(Colliding::new).collect(Collectors.toCollection(LinkedHashSet::new));
        PickleException e = assertThrows(PickleException.class, () -> roundTrip("set", flood));
        assertEquals(PickleException.Reason.INVALID_VALUE, e.reason());
    }

    @Test
    void mapKeysFloodingOneHashCodeAreRefused() {
        Map<Colliding, Integer> flood = new LinkedHashMap<>();
        for (int i = 0; i < 50_000; i++) {
            flood.put(new Colliding(i), i);
        }
        PickleException e = assertThrows(PickleException.class, () -> roundTrip("map", flood));
        assertEquals(PickleException.Reason.INVALID_VALUE, e.reason());
    }

    @Test
    void comparableKeysAreNotCounted() {
        // Long keys that share a hash code are kept in a tree by the table: no quadratic cost
        Set<Long> same = IntStream.range(0, 64).mapToObj(i -> ((long) i << 32) | i).collect(Collectors.toCollection(LinkedHashSet::new));
        assertEquals(1, same.stream().mapToInt(Object::hashCode).distinct().count());
        assertEquals(same, roundTrip("longs", same));
    }

    Set<Long> longs;

    @SuppressWarnings("unchecked")
    private static Object roundTrip(String field, Object value) {
        ParamCodec<Object> c = (ParamCodec<Object>) ParamCodecs.defaults().codecFor(type(field));
        Pickle p = new Pickle();
        c.write(p, value);
        PickleReader r = new PickleReader(p.toByteArray());
        Object back = c.read(r);
        r.finish();
        return back;
    }

    private static Type type(String name) {
        try {
            return HashFloodTest.class.getDeclaredField(name).getGenericType();
        } catch (NoSuchFieldException e) {
            throw new AssertionError(e);
        }
    }
}

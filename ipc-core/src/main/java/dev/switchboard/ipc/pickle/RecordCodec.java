package dev.switchboard.ipc.pickle;

import dev.switchboard.ipc.pickle.PickleException.Reason;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;

/**
 * A record as its components in declaration order. Accessors and the canonical constructor are
 * resolved once, as method handles; reading rebuilds the record only through its canonical
 * constructor, so the record's own validation runs, and a constructor that refuses the values
 * makes the input invalid. A record without components is one int32 0, so that every value
 * occupies at least 4 bytes.
 */
final class RecordCodec<R> implements ParamCodec<R> {

    private static final MethodType GETTER = MethodType.methodType(Object.class, Object.class);
    private static final MethodType CTOR = MethodType.methodType(Object.class, Object[].class);

    private final Class<R> type;
    private final String[] names;
    private final MethodHandle[] getters;
    private final MethodHandle constructor;
    private ParamCodec<Object>[] components;
    private int minWireSize = 4;

    RecordCodec(Class<R> type, MethodHandles.Lookup lookup) {
        this.type = type;
        RecordComponent[] rc = type.getRecordComponents();
        names = new String[rc.length];
        getters = new MethodHandle[rc.length];
        Class<?>[] ctorTypes = new Class<?>[rc.length];
        try {
            for (int i = 0; i < rc.length; i++) {
                names[i] = rc[i].getName();
                ctorTypes[i] = rc[i].getType();
                Method m = rc[i].getAccessor();
                getters[i] = unreflect(lookup, m).asType(GETTER);
            }
            Constructor<R> c = type.getDeclaredConstructor(ctorTypes);
            MethodHandle ctor;
            if (lookup != null) {
                ctor = lookup.unreflectConstructor(c);
            } else {
                c.setAccessible(true);
                ctor = MethodHandles.lookup().unreflectConstructor(c);
            }
            constructor = ctor.asSpreader(Object[].class, rc.length).asType(CTOR);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalArgumentException("record " + type.getName() + " is not accessible to Switchboard ("
                    + e + "); make it public or pass a Lookup with ParamCodecs.Builder.lookup", e);
        }
    }

    private static MethodHandle unreflect(MethodHandles.Lookup lookup, Method m) throws IllegalAccessException {
        if (lookup != null) {
            return lookup.unreflect(m);
        }
        m.setAccessible(true);
        return MethodHandles.lookup().unreflect(m);
    }

    /** Second phase, so that a record may contain itself (through a list or optional). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    void resolve(ParamCodecs codecs) {
        RecordComponent[] rc = type.getRecordComponents();
        ParamCodec<Object>[] cs = new ParamCodec[rc.length];
        int min = 0;
        for (int i = 0; i < rc.length; i++) {
            try {
                cs[i] = (ParamCodec<Object>) codecs.codecFor(rc[i].getGenericType());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(type.getName() + "." + rc[i].getName() + ": " + e.getMessage(), e);
            }
            min += rc[i].getType() == type ? 4 : cs[i].minWireSize();
        }
        components = cs;
        minWireSize = Math.max(4, min);
    }

    @Override
    public void write(Pickle p, R value) {
        if (getters.length == 0) {
            p.writeInt(0);
            return;
        }
        for (int i = 0; i < getters.length; i++) {
            Object v;
            try {
                v = (Object) getters[i].invokeExact((Object) value);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            if (v == null) {
                throw new IllegalArgumentException(type.getSimpleName() + "." + names[i]
                        + " is null; null is not encodable (use Optional)");
            }
            components[i].write(p, v);
        }
    }

    @Override
    public R read(PickleReader r) {
        if (getters.length == 0) {
            if (r.readInt() != 0) {
                throw r.fail(Reason.INVALID_VALUE, "empty record " + type.getSimpleName() + " is not int32 0");
            }
            return construct(r, new Object[0]);
        }
        r.enter();
        Object[] args = new Object[getters.length];
        for (int i = 0; i < args.length; i++) {
            args[i] = components[i].read(r);
        }
        r.exit();
        return construct(r, args);
    }

    private R construct(PickleReader r, Object[] args) {
        try {
            return type.cast((Object) constructor.invokeExact(args));
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            throw r.fail(Reason.INVALID_VALUE, "record " + type.getSimpleName() + " refused the values: " + t);
        }
    }

    @Override
    public int minWireSize() {
        return minWireSize;
    }

    @Override
    public String toString() {
        return "RecordCodec(" + type.getName() + ")";
    }
}

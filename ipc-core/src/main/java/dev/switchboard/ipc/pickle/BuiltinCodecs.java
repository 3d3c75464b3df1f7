package dev.switchboard.ipc.pickle;

import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.pickle.PickleException.Reason;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** The codecs of the leaf types: primitives and their boxes, strings, bytes, time, ids, handles. */
final class BuiltinCodecs {

    private BuiltinCodecs() {}

    static final ParamCodec<Boolean> BOOL = of(Pickle::writeBool, PickleReader::readBool, 4);
    static final ParamCodec<Byte> BYTE = of(Pickle::writeByte, PickleReader::readByte, 4);
    static final ParamCodec<Short> SHORT = of(Pickle::writeShort, PickleReader::readShort, 4);
    static final ParamCodec<Character> CHAR = of(Pickle::writeChar, PickleReader::readChar, 4);
    static final ParamCodec<Integer> INT = of(Pickle::writeInt, PickleReader::readInt, 4);
    static final ParamCodec<Long> LONG = of(Pickle::writeLong, PickleReader::readLong, 8);
    static final ParamCodec<Float> FLOAT = of(Pickle::writeFloat, PickleReader::readFloat, 4);
    static final ParamCodec<Double> DOUBLE = of(Pickle::writeDouble, PickleReader::readDouble, 8);
    static final ParamCodec<String> STRING = of(Pickle::writeString, PickleReader::readString, 4);
    static final ParamCodec<byte[]> BYTES = of(Pickle::writeBytes, PickleReader::readBytes, 4);
    static final ParamCodec<PlatformHandle> HANDLE = of(Pickle::writeHandle, PickleReader::readHandle, 4);
    static final ParamCodec<MessagePipe> PIPE = of(Pickle::writePipe, PickleReader::readPipe, 4);

    /** Two int64: most then least significant bits. */
    static final ParamCodec<UUID> UUID_CODEC = new ParamCodec<>() {
        @Override
        public void write(Pickle p, UUID v) {
            p.writeLong(v.getMostSignificantBits()).writeLong(v.getLeastSignificantBits());
        }

        @Override
        public UUID read(PickleReader r) {
            long msb = r.readLong();
            return new UUID(msb, r.readLong());
        }

        @Override
        public int minWireSize() {
            return 16;
        }
    };

    /** int64 seconds since the epoch, then int32 nanoseconds 0..999,999,999. */
    static final ParamCodec<Instant> INSTANT = new ParamCodec<>() {
        @Override
        public void write(Pickle p, Instant v) {
            p.writeLong(v.getEpochSecond()).writeInt(v.getNano());
        }

        @Override
        public Instant read(PickleReader r) {
            long s = r.readLong();
            int n = nanos(r);
            try {
                return Instant.ofEpochSecond(s, n);
            } catch (DateTimeException e) {
                throw r.fail(Reason.INVALID_VALUE, "instant of " + s + " s out of range");
            }
        }

        @Override
        public int minWireSize() {
            return 12;
        }
    };

    /** int64 seconds, then int32 nanoseconds 0..999,999,999 (as {@link Duration#getNano()}). */
    static final ParamCodec<Duration> DURATION = new ParamCodec<>() {
        @Override
        public void write(Pickle p, Duration v) {
            p.writeLong(v.getSeconds()).writeInt(v.getNano());
        }

        @Override
        public Duration read(PickleReader r) {
            long s = r.readLong();
            int n = nanos(r);
            return Duration.ofSeconds(s, n); // never overflows: 0 <= n < 1e9
        }

        @Override
        public int minWireSize() {
            return 12;
        }
    };

    /** The URI's string form, parsed strictly on read. */
    static final ParamCodec<URI> URI_CODEC = new ParamCodec<>() {
        @Override
        public void write(Pickle p, URI v) {
            p.writeString(v.toString());
        }

        @Override
        public URI read(PickleReader r) {
            String s = r.readString();
            try {
                return new URI(s);
            } catch (URISyntaxException e) {
                throw r.fail(Reason.INVALID_VALUE, "malformed URI (" + e.getReason() + ")");
            }
        }
    };

    private static int nanos(PickleReader r) {
        int n = r.readInt();
        if (n < 0 || n > 999_999_999) {
            throw r.fail(Reason.INVALID_VALUE, "nanoseconds " + n + " outside 0..999999999");
        }
        return n;
    }

    /** Codecs by exact class (primitives and boxes share one). */
    static Map<Class<?>, ParamCodec<?>> byClass() {
        Map<Class<?>, ParamCodec<?>> m = new HashMap<>();
        m.put(boolean.class, BOOL);
        m.put(Boolean.class, BOOL);
        m.put(byte.class, BYTE);
        m.put(Byte.class, BYTE);
        m.put(short.class, SHORT);
        m.put(Short.class, SHORT);
        m.put(char.class, CHAR);
        m.put(Character.class, CHAR);
        m.put(int.class, INT);
        m.put(Integer.class, INT);
        m.put(long.class, LONG);
        m.put(Long.class, LONG);
        m.put(float.class, FLOAT);
        m.put(Float.class, FLOAT);
        m.put(double.class, DOUBLE);
        m.put(Double.class, DOUBLE);
        m.put(String.class, STRING);
        m.put(byte[].class, BYTES);
        m.put(UUID.class, UUID_CODEC);
        m.put(Instant.class, INSTANT);
        m.put(Duration.class, DURATION);
        m.put(URI.class, URI_CODEC);
        m.put(PlatformHandle.class, HANDLE);
        m.put(MessagePipe.class, PIPE);
        return m;
    }

    interface Writer<T> {
        void write(Pickle p, T v);
    }

    interface Reader<T> {
        T read(PickleReader r);
    }

    private static <T> ParamCodec<T> of(Writer<T> w, Reader<T> rd, int min) {
        return new ParamCodec<>() {
            @Override
            public void write(Pickle p, T v) {
                w.write(p, v);
            }

            @Override
            public T read(PickleReader r) {
                return rd.read(r);
            }

            @Override
            public int minWireSize() {
                return min;
            }
        };
    }
}

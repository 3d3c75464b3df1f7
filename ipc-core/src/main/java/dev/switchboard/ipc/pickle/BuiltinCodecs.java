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

    // one class per codec (not a shared wrapper around lambdas), so that calls stay cheap to dispatch
    static final ParamCodec<Boolean> BOOL = new ParamCodec<>() {
        @Override
        public void write(Pickle p, Boolean v) {
            p.writeBool(v);
        }

        @Override
        public Boolean read(PickleReader r) {
            return r.readBool();
        }
    };

    static final ParamCodec<Byte> BYTE = new ParamCodec<>() {
        @Override
        public void write(Pickle p, Byte v) {
            p.writeByte(v);
        }

        @Override
        public Byte read(PickleReader r) {
            return r.readByte();
        }
    };

    static final ParamCodec<Short> SHORT = new ParamCodec<>() {
        @Override
        public void write(Pickle p, Short v) {
            p.writeShort(v);
        }

        @Override
        public Short read(PickleReader r) {
            return r.readShort();
        }
    };

    static final ParamCodec<Character> CHAR = new ParamCodec<>() {
        @Override
        public void write(Pickle p, Character v) {
            p.writeChar(v);
        }

        @Override
        public Character read(PickleReader r) {
            return r.readChar();
        }
    };

    static final ParamCodec<Integer> INT = new ParamCodec<>() {
        @Override
        public void write(Pickle p, Integer v) {
            p.writeInt(v);
        }

        @Override
        public Integer read(PickleReader r) {
            return r.readInt();
        }
    };

    static final ParamCodec<Long> LONG = new ParamCodec<>() {
        @Override
        public void write(Pickle p, Long v) {
            p.writeLong(v);
        }

        @Override
        public Long read(PickleReader r) {
            return r.readLong();
        }

        @Override
        public int minWireSize() {
            return 8;
        }
    };

    static final ParamCodec<Float> FLOAT = new ParamCodec<>() {
        @Override
        public void write(Pickle p, Float v) {
            p.writeFloat(v);
        }

        @Override
        public Float read(PickleReader r) {
            return r.readFloat();
        }
    };

    static final ParamCodec<Double> DOUBLE = new ParamCodec<>() {
        @Override
        public void write(Pickle p, Double v) {
            p.writeDouble(v);
        }

        @Override
        public Double read(PickleReader r) {
            return r.readDouble();
        }

        @Override
        public int minWireSize() {
            return 8;
        }
    };

    static final ParamCodec<String> STRING = new ParamCodec<>() {
        @Override
        public void write(Pickle p, String v) {
            p.writeString(v);
        }

        @Override
        public String read(PickleReader r) {
            return r.readString();
        }
    };

    static final ParamCodec<byte[]> BYTES = new ParamCodec<>() {
        @Override
        public void write(Pickle p, byte[] v) {
            p.writeBytes(v);
        }

        @Override
        public byte[] read(PickleReader r) {
            return r.readBytes();
        }
    };

    static final ParamCodec<PlatformHandle> HANDLE = new ParamCodec<>() {
        @Override
        public void write(Pickle p, PlatformHandle v) {
            p.writeHandle(v);
        }

        @Override
        public PlatformHandle read(PickleReader r) {
            return r.readHandle();
        }
    };

    static final ParamCodec<MessagePipe> PIPE = new ParamCodec<>() {
        @Override
        public void write(Pickle p, MessagePipe v) {
            p.writePipe(v);
        }

        @Override
        public MessagePipe read(PickleReader r) {
            return r.readPipe();
        }
    };

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
}

package dev.switchboard.ipc.broker.sandbox;

import dev.switchboard.ipc.PlatformHandle;

/** Codecs for simple request and reply types, to build {@link RequestType}s from. */
public final class SandboxCodecs {

    private SandboxCodecs() {}

    /** No body; the value is always null. */
    public static final SandboxCodec<Void> EMPTY = new SandboxCodec<>() {
        @Override
        public void encode(Void value, PacketWriter out) {
        }

        @Override
        public Void decode(PacketReader in) {
            return null;
        }
    };

    /** A big-endian int32; not null. */
    public static final SandboxCodec<Integer> INT = new SandboxCodec<>() {
        @Override
        public void encode(Integer value, PacketWriter out) {
            out.putInt(value);
        }

        @Override
        public Integer decode(PacketReader in) {
            return in.getInt();
        }
    };

    /** A big-endian int64; not null. */
    public static final SandboxCodec<Long> LONG = new SandboxCodec<>() {
        @Override
        public void encode(Long value, PacketWriter out) {
            out.putLong(value);
        }

        @Override
        public Long decode(PacketReader in) {
            return in.getLong();
        }
    };

    /** UTF-8 with an int32 length; null allowed. */
    public static final SandboxCodec<String> STRING = new SandboxCodec<>() {
        @Override
        public void encode(String value, PacketWriter out) {
            out.putString(value);
        }

        @Override
        public String decode(PacketReader in) {
            return in.getString();
        }
    };

    /** Bytes with an int32 length; null allowed. */
    public static final SandboxCodec<byte[]> BYTES = new SandboxCodec<>() {
        @Override
        public void encode(byte[] value, PacketWriter out) {
            out.putBytes(value);
        }

        @Override
        public byte[] decode(PacketReader in) {
            return in.getBytes();
        }
    };

    /**
     * Exactly one handle and no bytes: for replies such as "an fd of this font file". Encoding
     * moves the handle into the packet; decoding gives the received one to the caller.
     */
    public static final SandboxCodec<PlatformHandle> HANDLE = new SandboxCodec<>() {
        @Override
        public void encode(PlatformHandle value, PacketWriter out) {
            out.attach(value);
        }

        @Override
        public PlatformHandle decode(PacketReader in) {
            if (in.handleCount() != 1) {
                throw new MalformedPacketException("expected exactly one handle, got " + in.handleCount());
            }
            return in.takeHandle(0);
        }
    };
}

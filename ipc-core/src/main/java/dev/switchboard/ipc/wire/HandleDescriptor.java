package dev.switchboard.ipc.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Internal: what one OS handle of a user message is (docs/protocol.md §6, handle descriptors). An
 * EVENT frame that carries a USER_MESSAGE and {@code H} handles has {@code H} descriptors of
 * {@link #SIZE} bytes right after the port descriptors, one per handle, in the handles' order.
 */
public sealed interface HandleDescriptor {

    /** Bytes of one encoded descriptor. */
    int SIZE = 16;

    /** Kind byte of a plain OS handle. */
    int KIND_PLATFORM = 0;
    /** Kind byte of a shared buffer. */
    int KIND_SHARED_MEMORY = 1;
    /** Flag bit of a shared buffer that nobody holding it can write. */
    int FLAG_READ_ONLY = 0x01;

    /** A plain OS handle ({@code PlatformHandle}): nothing to say about it. */
    record Platform() implements HandleDescriptor {
        /** The one instance. */
        public static final Platform INSTANCE = new Platform();
    }

    /**
     * A shared-memory file ({@code SharedBuffer}).
     *
     * @param size the bytes the receiver may map, from 1
     * @param readOnly nobody holding it can write
     */
    record SharedMemory(long size, boolean readOnly) implements HandleDescriptor {
        public SharedMemory {
            if (size < 1) {
                throw new IllegalArgumentException("size must be positive: " + size);
            }
        }
    }

    /**
     * Writes {@code d} at the position of {@code out} (which must have {@link #SIZE} bytes left).
     *
     * @param d the descriptor
     * @param out little-endian or not, it is written little-endian
     */
    static void encode(HandleDescriptor d, ByteBuffer out) {
        ByteBuffer o = out.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (d instanceof SharedMemory s) {
            o.put((byte) KIND_SHARED_MEMORY).put((byte) (s.readOnly() ? FLAG_READ_ONLY : 0));
            o.put(new byte[6]).putLong(s.size());
        } else {
            o.put(new byte[SIZE]);
        }
        out.position(out.position() + SIZE);
    }

    /**
     * Reads {@code count} descriptors from the position of {@code in}, which moves past them.
     *
     * @param in the bytes a peer sent
     * @param count the handles the frame carries
     * @param maxSharedBytes the largest shared buffer this process accepts
     * @return the descriptors, in order
     * @throws ProtocolException naming the descriptor and field that is wrong; {@code in} is then
     *     left anywhere
     */
    static HandleDescriptor[] decode(ByteBuffer in, int count, long maxSharedBytes) throws ProtocolException {
        if (count < 0 || count > Limits.HANDLE_CAP) {
            throw new ProtocolException(count + " handles; a frame carries 0 to " + Limits.HANDLE_CAP);
        }
        if (in.remaining() < (long) count * SIZE) {
            throw new ProtocolException("USER_MESSAGE carries " + count + " handles but has " + in.remaining()
                    + " bytes for their descriptors; they need " + count * SIZE);
        }
        ByteBuffer b = in.slice().order(ByteOrder.LITTLE_ENDIAN);
        HandleDescriptor[] out = new HandleDescriptor[count];
        for (int i = 0; i < count; i++) {
            int at = i * SIZE;
            int kind = b.get(at) & 0xff;
            int flags = b.get(at + 1) & 0xff;
            for (int r = 2; r < 8; r++) {
                if (b.get(at + r) != 0) {
                    throw new ProtocolException("handle descriptor " + i + ": reserved byte " + r + " is not 0");
                }
            }
            long size = b.getLong(at + 8);
            switch (kind) {
                case KIND_PLATFORM -> {
                    if (flags != 0 || size != 0) {
                        throw new ProtocolException("handle descriptor " + i + ": an OS handle has flags " + flags
                                + " and size " + size + "; both must be 0");
                    }
                    out[i] = Platform.INSTANCE;
                }
                case KIND_SHARED_MEMORY -> {
                    if ((flags & ~FLAG_READ_ONLY) != 0) {
                        throw new ProtocolException("handle descriptor " + i + ": unknown shared-buffer flags 0x"
                                + Integer.toHexString(flags));
                    }
                    if (size < 1 || size > maxSharedBytes) {
                        throw new ProtocolException("handle descriptor " + i + ": a shared buffer of " + Long.toUnsignedString(size)
                                + " bytes; this process accepts 1 to " + maxSharedBytes);
                    }
                    out[i] = new SharedMemory(size, (flags & FLAG_READ_ONLY) != 0);
                }
                default -> throw new ProtocolException("handle descriptor " + i + ": unknown kind " + kind);
            }
        }
        in.position(in.position() + count * SIZE);
        return out;
    }
}

package dev.switchboard.ipc.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The 16-byte handle descriptors of a USER_MESSAGE (protocol.md §6): layout and every refusal. */
class HandleDescriptorTest {

    private static final long LIMIT = 1 << 20;

    @Test
    void encodesTheDocumentedLayoutAndDecodesItBack() throws ProtocolException {
        ByteBuffer b = ByteBuffer.allocate(3 * HandleDescriptor.SIZE);
        HandleDescriptor.encode(HandleDescriptor.Platform.INSTANCE, b);
        HandleDescriptor.encode(new HandleDescriptor.SharedMemory(4096, true), b);
        HandleDescriptor.encode(new HandleDescriptor.SharedMemory(LIMIT, false), b);
        byte[] bytes = b.array();
        byte[] expected = new byte[48];
        ByteBuffer e = ByteBuffer.wrap(expected).order(ByteOrder.LITTLE_ENDIAN);
        e.position(16).put((byte) 1).put((byte) 1).position(24).putLong(4096);
        e.position(32).put((byte) 1).put((byte) 0).position(40).putLong(LIMIT);
        assertArrayEquals(expected, bytes);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        HandleDescriptor[] d = HandleDescriptor.decode(in, 3, LIMIT);
        assertEquals(48, in.position());
        assertArrayEquals(new HandleDescriptor[] {HandleDescriptor.Platform.INSTANCE,
                new HandleDescriptor.SharedMemory(4096, true), new HandleDescriptor.SharedMemory(LIMIT, false)}, d);
    }

    @Test
    void refusesEveryMalformedField() {
        assertRefused(descriptor(2, 0, 0, 0), "unknown kind 2");
        assertRefused(descriptor(0, 1, 0, 0), "an OS handle has flags 1");
        assertRefused(descriptor(0, 0, 0, 5), "an OS handle has flags 0 and size 5");
        assertRefused(descriptor(1, 2, 0, 10), "unknown shared-buffer flags 0x2");
        assertRefused(descriptor(1, 0, 3, 10), "reserved byte 3 is not 0");
        assertRefused(descriptor(1, 0, 0, 0), "a shared buffer of 0 bytes");
        assertRefused(descriptor(1, 0, 0, LIMIT + 1), "a shared buffer of " + (LIMIT + 1) + " bytes; this process accepts 1 to " + LIMIT);
        assertRefused(descriptor(1, 0, 0, -1), "a shared buffer of 18446744073709551615 bytes");
        ProtocolException shortTable = assertThrows(ProtocolException.class,
                () -> HandleDescriptor.decode(ByteBuffer.allocate(20), 2, LIMIT));
        assertTrue(shortTable.getMessage().contains("carries 2 handles but has 20 bytes"), shortTable.getMessage());
        assertThrows(ProtocolException.class, () -> HandleDescriptor.decode(ByteBuffer.allocate(16 * 61), 61, LIMIT));
    }

    private static void assertRefused(byte[] descriptor, String reason) {
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> HandleDescriptor.decode(ByteBuffer.wrap(descriptor), 1, LIMIT));
        assertTrue(e.getMessage().contains(reason), () -> "'" + e.getMessage() + "' should say '" + reason + "'");
        assertTrue(e.getMessage().startsWith("handle descriptor 0"), e.getMessage());
    }

    private static byte[] descriptor(int kind, int flags, int reservedIndex, long size) {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) kind).put((byte) flags);
        if (reservedIndex >= 2) {
            b.put(reservedIndex, (byte) 1);
        }
        b.putLong(8, size);
        return b.array();
    }
}

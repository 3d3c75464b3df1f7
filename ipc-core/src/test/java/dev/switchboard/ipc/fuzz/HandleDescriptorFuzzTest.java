package dev.switchboard.ipc.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.switchboard.ipc.wire.HandleDescriptor;
import dev.switchboard.ipc.wire.ProtocolException;
import dev.switchboard.ipc.wire.SharedMemoryLimits;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The handle descriptors of a USER_MESSAGE ({@link HandleDescriptor#decode}) read from arbitrary
 * bytes: a peer controls them entirely, and they decide whether a received descriptor is mapped
 * as shared memory. The only acceptable outcomes are one descriptor per handle or a
 * {@link ProtocolException}.
 *
 * <p>Input: byte 0 is the frame's handle count (0 to 255: above 60 must be refused), byte 1 picks
 * the receiver's size limit (even: the default 1 GiB; odd: 4096 bytes), the rest are the bytes
 * after the port descriptors. A decoded table re-encodes to exactly the bytes it was read from,
 * the buffer moves past exactly those bytes, and no shared buffer is above the limit.
 */
class HandleDescriptorFuzzTest {

    @FuzzTest
    void descriptors(byte[] input) throws ProtocolException {
        if (input.length < 2) {
            return;
        }
        int count = input[0] & 0xff;
        long limit = (input[1] & 1) == 0 ? SharedMemoryLimits.DEFAULT_MAX_BUFFER_BYTES : 4096;
        HandleDescriptor[] decoded;
        try {
            // a fresh buffer per call: the budget check may decode twice
            decoded = AllocationBudget.run(input.length, "decoding handle descriptors",
                    () -> HandleDescriptor.decode(ByteBuffer.wrap(input, 2, input.length - 2), count, limit));
        } catch (ProtocolException e) {
            return;
        }
        ByteBuffer in = ByteBuffer.wrap(input, 2, input.length - 2);
        HandleDescriptor.decode(in, count, limit);
        assertEquals(count, decoded.length);
        assertEquals(2 + count * HandleDescriptor.SIZE, in.position(), "decode moves past exactly the table");
        ByteBuffer out = ByteBuffer.allocate(count * HandleDescriptor.SIZE);
        for (HandleDescriptor d : decoded) {
            if (d instanceof HandleDescriptor.SharedMemory s) {
                assertTrue(s.size() >= 1 && s.size() <= limit, "size " + s.size() + " passed a limit of " + limit);
            }
            HandleDescriptor.encode(d, out);
        }
        assertArrayEquals(Arrays.copyOfRange(input, 2, 2 + count * HandleDescriptor.SIZE), out.array(),
                "re-encoding the decoded descriptors changed their bytes");
        HandleDescriptor[] again = HandleDescriptor.decode(ByteBuffer.wrap(out.array()), count, limit);
        assertArrayEquals(decoded, again);
    }
}

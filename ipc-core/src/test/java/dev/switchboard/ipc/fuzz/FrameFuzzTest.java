package dev.switchboard.ipc.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.FrameCodec;
import dev.switchboard.ipc.wire.FrameHeader;
import dev.switchboard.ipc.wire.Limits;
import dev.switchboard.ipc.wire.ProtocolException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The frame header and every node-channel frame body, decoded from arbitrary bytes the way a
 * channel does: {@link FrameHeader#peek} on the first 16 bytes, then {@link FrameCodec#decode} on
 * the body once all of it is there. A peer controls every byte, so the only acceptable outcomes
 * are a frame or a {@link ProtocolException}; anything else thrown is a finding.
 *
 * <p>A frame that decodes must also survive the trip back: encoding it gives exactly the bytes
 * that were decoded (the encoding is canonical: no two byte strings decode to the same frame),
 * and decoding those gives an equal frame.
 */
class FrameFuzzTest {

    /** The input is one frame as it sits on the stream; bytes after it are ignored. */
    @FuzzTest
    void frame(byte[] input) throws ProtocolException {
        decodeAndRoundTrip(input, Limits.DEFAULT);
        // a tight limit exercises the rejection of long frames and many handles with short inputs
        decodeAndRoundTrip(input, new Limits(FrameHeader.SIZE + 64, 2));
    }

    private static void decodeAndRoundTrip(byte[] input, Limits limits) throws ProtocolException {
        if (input.length < FrameHeader.SIZE) {
            return; // the channel waits for a whole header before peeking
        }
        final FrameHeader header;
        try {
            header = FrameHeader.peek(ByteBuffer.wrap(input), limits);
        } catch (ProtocolException e) {
            return;
        }
        assertTrue(header.frameLength() >= FrameHeader.SIZE && header.frameLength() <= limits.maxFrameBytes());
        assertTrue(header.handleCount() >= 0 && header.handleCount() <= limits.maxHandlesPerFrame());
        if (input.length < header.frameLength()) {
            return; // the channel waits for the rest of the body
        }
        FrameBody body;
        try {
            body = AllocationBudget.run(input.length, "decoding a " + header.type() + " body",
                    () -> FrameCodec.decode(header, ByteBuffer.wrap(input, FrameHeader.SIZE, header.bodyLength())));
        } catch (ProtocolException e) {
            return;
        }
        assertEquals(header.type(), body.type());
        assertEquals(header.bodyLength(), body.bodyLength(), "the decoded body's length");

        ByteBuffer encoded = ByteBuffer.allocate(FrameCodec.encodedLength(body));
        FrameCodec.encode(body, header.handleCount(), encoded);
        assertEquals(FrameHeader.padded(header.frameLength()), encoded.position(), "encoded length");
        byte[] again = encoded.array();
        assertArrayEquals(Arrays.copyOf(input, header.frameLength()), Arrays.copyOf(again, header.frameLength()),
                "re-encoding a decoded " + header.type() + " frame changed its bytes");
        for (int i = header.frameLength(); i < again.length; i++) {
            assertEquals(0, again[i], "padding byte " + i);
        }
        FrameHeader header2 = FrameHeader.peek(ByteBuffer.wrap(again), limits);
        assertEquals(header, header2);
        assertEquals(body, FrameCodec.decode(header2, ByteBuffer.wrap(again, FrameHeader.SIZE, header2.bodyLength())));
    }
}

package dev.switchboard.ipc.transport.unix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.switchboard.ipc.ports.BytesPayload;
import dev.switchboard.ipc.ports.Event;
import dev.switchboard.ipc.ports.EventCodec;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The split of a large EVENT body into event header and payload ({@link DirectPayload}), on
 * arbitrary bodies: where the split falls is read from bytes the peer controls, before the event
 * codec has checked anything. Splitting must never change the outcome: a body decoded as header
 * plus payload array (as the node layer does with {@link FrameBody.Event#tail()}) gives the same
 * event and payload as the whole body decoded at once, and is rejected exactly when that is. A
 * body that is not split is one the codec rejects or that is no user message.
 */
class DirectPayloadFuzzTest {

    /** Input: byte 0 sets the size of the reads the payload arrives in; the rest is the EVENT body. */
    @FuzzTest
    void split(byte[] input) {
        if (input.length < 1) {
            return;
        }
        int chunk = 1 + (input[0] & 0xff);
        byte[] body = Arrays.copyOfRange(input, 1, input.length);
        Outcome whole = decode(ByteBuffer.wrap(body), ByteBuffer.allocate(0));

        int fixed = EventCodec.USER_MESSAGE_FIXED_SIZE;
        for (int seen = 0; seen < Math.min(fixed, body.length); seen += 7) {
            assertEquals(0, DirectPayload.eventHeaderLength(Unpooled.wrappedBuffer(body, 0, seen), body.length, 0),
                    () -> "decided before the fixed part of the header was there");
        }
        if (body.length < fixed) {
            return;
        }
        int header = DirectPayload.eventHeaderLength(Unpooled.wrappedBuffer(body), body.length, 0);
        assertEquals(header, DirectPayload.eventHeaderLength(Unpooled.wrappedBuffer(body, 0, fixed), body.length, 0),
                "the split depends on more than the fixed part of the header");
        if (header < 0) {
            if (body[0] == 1) {
                assertTrue(whole.rejected(), "a user message that is not split must be one the codec rejects");
            }
            return;
        }
        assertTrue(header >= fixed && header <= body.length, () -> "header length " + header);

        // The header and the first bytes of the payload are in the cumulation; the rest arrives in reads.
        int firstRead = Math.min(body.length, header + chunk);
        ByteBuf cumulation = Unpooled.wrappedBuffer(body, 0, firstRead);
        DirectPayload direct = DirectPayload.start(cumulation, header, body.length - header);
        assertEquals(0, cumulation.readableBytes(), "start takes what the cumulation holds of the frame");
        for (int at = firstRead; at < body.length; at += chunk) {
            ByteBuf read = Unpooled.wrappedBuffer(body, at, Math.min(chunk, body.length - at));
            direct.fillFrom(read);
        }
        assertTrue(direct.isComplete());
        FrameBody.Event event = direct.body();
        Outcome split = decode(event.bytes(), event.tail());
        assertEquals(whole, split, () -> "splitting the body at " + header + " changed how it decodes");
    }

    /** What the node layer makes of an EVENT body: the event and its payload bytes, or a rejection. */
    private record Outcome(Event event, byte[] payload, boolean rejected) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Outcome other && rejected == other.rejected && Arrays.equals(payload, other.payload)
                    && String.valueOf(event).equals(String.valueOf(other.event));
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(payload);
        }
    }

    private static Outcome decode(ByteBuffer bytes, ByteBuffer tail) {
        Event event;
        try {
            event = EventCodec.decode(bytes);
        } catch (ProtocolException e) {
            return new Outcome(null, null, true);
        }
        if (!(event instanceof Event.UserMessage m)) {
            return tail.hasRemaining() ? new Outcome(null, null, true) : new Outcome(event, null, false);
        }
        ByteBuffer inBody = ((BytesPayload) m.payload()).bytes();
        byte[] payload = new byte[inBody.remaining() + tail.remaining()];
        inBody.duplicate().get(payload, 0, inBody.remaining());
        tail.duplicate().get(payload, inBody.remaining(), tail.remaining());
        // the payload is compared separately: the event keeps its header fields only
        return new Outcome(m.withPayload(new BytesPayload(ByteBuffer.allocate(0))), payload, false);
    }
}

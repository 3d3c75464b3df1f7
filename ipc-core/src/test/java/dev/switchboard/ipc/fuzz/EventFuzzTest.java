package dev.switchboard.ipc.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.switchboard.ipc.ports.BytesPayload;
import dev.switchboard.ipc.ports.Event;
import dev.switchboard.ipc.ports.EventCodec;
import dev.switchboard.ipc.wire.ProtocolException;
import java.nio.ByteBuffer;

/**
 * Port events ({@link EventCodec}) decoded from arbitrary bytes: the body of an EVENT frame, which
 * a peer controls entirely. The only acceptable outcomes are an event or a
 * {@link ProtocolException}.
 *
 * <p>An event that decodes passed the same checks the encoder enforces, so encoding it must work
 * and give back exactly the input (the user payload rides along as the tail), and decoding that
 * must give an equal event.
 */
class EventFuzzTest {

    @FuzzTest
    void event(byte[] input) throws ProtocolException {
        ByteBuffer in = ByteBuffer.wrap(input);
        Event event;
        try {
            event = AllocationBudget.run(input.length, "decoding an event", () -> EventCodec.decode(in));
        } catch (ProtocolException e) {
            return;
        }
        assertEquals(0, in.position(), "decode must not move the caller's position");

        ByteBuffer payload = event instanceof Event.UserMessage m ? ((BytesPayload) m.payload()).bytes() : null;
        ByteBuffer encoded = EventCodec.encode(event, payload);
        byte[] again = new byte[encoded.remaining()];
        encoded.get(again);
        assertArrayEquals(input, again, "re-encoding a decoded " + event.getClass().getSimpleName() + " changed its bytes");
        assertEquals(event, EventCodec.decode(ByteBuffer.wrap(again)));
    }
}

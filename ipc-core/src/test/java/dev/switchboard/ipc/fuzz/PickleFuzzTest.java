package dev.switchboard.ipc.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.pickle.PickleException;
import dev.switchboard.ipc.typed.DecodedMessage;
import dev.switchboard.ipc.typed.MessageCodec;
import dev.switchboard.ipc.typed.MessageHeader;
import dev.switchboard.ipc.typed.MessageTypes;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Typed messages ({@link MessageCodec#decode}) decoded from arbitrary bytes and handles, against
 * {@link PickleFuzzMessages#TYPES}, which uses every built-in codec and a user codec. A peer
 * controls the bytes and how many handles arrive with them, so the only acceptable outcomes are
 * a decoded message or a {@link PickleException}.
 *
 * <p>The input is one byte giving the number of handles (its low four bits: 0 to 15), then the
 * message bytes. The handles are {@link FakeHandles}, which count every close. This calls
 * {@code decode} rather than {@link MessageCodec#decodeForFuzzing}, whose inert handles cannot
 * be counted; {@code decodeForFuzzing} is the same decode with uncountable handles.
 *
 * <p>On success: no handle was closed; re-encoding the decoded message gives back exactly the
 * input bytes (the encoding is canonical: every field has one encoding, and a decoded value
 * passed every check the encoder makes) and exactly the input handles, in order, each once (so
 * each was claimed by exactly one field); closing the re-encoded message closes each handle
 * once. The one exception is an error reply whose reason is longer than
 * {@link MessageCodec#MAX_ERROR_REASON} chars: the encoder cuts reasons, so a longer one
 * (which a hostile peer can send) re-encodes shorter, and decodes to the encoder's cut.
 *
 * <p>On failure: every handle was closed exactly once. A {@link PickleException} caused by
 * another exception means a codec threw something else, which only the user codec
 * ({@link PickleFuzzMessages.MoneyRefused}) may do. Allocation is within {@link AllocationBudget}.
 */
class PickleFuzzTest {

    private static final MessageTypes TYPES = PickleFuzzMessages.TYPES;

    /** The low bits of the first input byte: how many handles arrive with the message. */
    static final int HANDLE_COUNT_MASK = 0x0F;

    @FuzzTest
    void pickle(byte[] input) {
        if (input.length == 0) {
            return;
        }
        FakeHandles fake = new FakeHandles(input[0] & HANDLE_COUNT_MASK);
        List<PlatformHandle> handles = fake.handles();
        byte[] bytes = Arrays.copyOfRange(input, 1, input.length);
        DecodedMessage decoded;
        try {
            decoded = AllocationBudget.run(bytes.length, "decoding a typed message",
                    () -> MessageCodec.decode(TYPES, bytes, handles, List.of()));
        } catch (PickleException e) {
            if (e.getCause() != null && !(e.getCause() instanceof PickleFuzzMessages.MoneyRefused)) {
                throw new AssertionError("a built-in codec threw " + e.getCause(), e.getCause());
            }
            for (int i = 0; i < handles.size(); i++) {
                if (fake.closes(i) != 1) {
                    fail("handle " + i + " of " + handles.size() + " closed " + fake.closes(i) + " times after " + e.reason());
                }
            }
            return;
        }
        for (int i = 0; i < handles.size(); i++) {
            assertEquals(0, fake.closes(i), "a handle of a decoded message was closed");
            assertTrue(handles.get(i).isValid());
        }
        MessageHeader h = decoded.header();
        Message again = reEncode(decoded);
        try {
            if (h.isErrorReply() && ((String) decoded.body()).length() > MessageCodec.MAX_ERROR_REASON) {
                assertCutReason(decoded, again);
            } else {
                assertArrayEquals(bytes, again.bytes(), () -> "re-encoding a decoded " + TYPES.nameOf(h.typeId()) + " changed its bytes");
            }
            List<PlatformHandle> out = again.handles();
            assertEquals(handles.size(), out.size(), "handles in the re-encoded message");
            for (int i = 0; i < out.size(); i++) {
                assertSame(handles.get(i), out.get(i), "handle " + i + " of the re-encoded message");
            }
            assertEquals(0, again.pipeCount(), "no pipe ends arrived, so none can be in the message");
        } finally {
            again.close();
        }
        for (int i = 0; i < handles.size(); i++) {
            assertEquals(1, fake.closes(i), "closes of handle " + i + " after closing the re-encoded message");
        }
    }

    private static Message reEncode(DecodedMessage d) {
        MessageHeader h = d.header();
        if (h.isErrorReply()) {
            return MessageCodec.encodeErrorReply(h.routingId(), h.typeId(), h.requestId(), (String) d.body());
        }
        if (h.isReply()) {
            return MessageCodec.encodeReply(TYPES, h.routingId(), h.typeId(), h.requestId(), d.body());
        }
        return MessageCodec.encodeRequest(TYPES, h.routingId(), d.body(), h.flags(), h.requestId());
    }

    /** A reason longer than the encoder sends: it re-encodes as the encoder's cut of it. */
    private static void assertCutReason(DecodedMessage decoded, Message again) {
        String reason = (String) decoded.body();
        String cut = new String(reason.substring(0, MessageCodec.MAX_ERROR_REASON).getBytes(StandardCharsets.UTF_8),
                StandardCharsets.UTF_8);
        DecodedMessage back = MessageCodec.decode(TYPES, again.bytes(), List.of(), List.of());
        assertEquals(decoded.header(), back.header());
        assertEquals(cut, back.body());
        assertFalse(again.handleCount() > 0, "an error reply carries no handles");
    }
}

package dev.switchboard.ipc.ports;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.wire.Id128;
import dev.switchboard.ipc.wire.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventCodecTest {

    private static final Id128 P = new Id128(0x1111_2222_3333_4444L, 0x5555_6666_7777_8888L);
    private static final Id128 F = new Id128(2, 3);
    private static final Id128 N1 = new Id128(4, 5);
    private static final Id128 N2 = new Id128(6, 7);
    private static final Id128 Q = new Id128(8, 9);

    private static PortDescriptor descriptor(long i) {
        return new PortDescriptor(new Id128(100, i), N1, Q, N2, new Id128(200, i), 5 + i, 7, 9, true);
    }

    private static Event.UserMessage message(int ports) {
        List<PortDescriptor> d = new ArrayList<>();
        for (int i = 0; i < ports; i++) {
            d.add(descriptor(i));
        }
        return new Event.UserMessage(P, F, 42, d, new TestPayload("x"));
    }

    private static List<Event> everyControlEvent() {
        return List.of(
                new Event.PortAccepted(P, F),
                new Event.ObserveProxy(P, F, N2, new Id128(10, 11)),
                new Event.ObserveProxyAck(P, F, 17),
                new Event.ObserveProxyAck(P, F, 0),
                new Event.ObserveClosure(P, F, Long.MAX_VALUE),
                new Event.UpdatePrevious(P, F, N1, Q),
                new Event.RouteLost(P, F));
    }

    private static String reject(byte[] bytes) {
        return assertThrows(ProtocolException.class, () -> EventCodec.decode(ByteBuffer.wrap(bytes))).getMessage();
    }

    private static byte[] bytes(Event e, byte[] tail) {
        ByteBuffer b = EventCodec.encode(e, tail == null ? null : ByteBuffer.wrap(tail));
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @Test
    void everyControlEventRoundTrips() throws Exception {
        for (Event e : everyControlEvent()) {
            ByteBuffer b = EventCodec.encode(e);
            assertEquals(EventCodec.encodedLength(e, 0), b.remaining());
            assertEquals(e, EventCodec.decode(b), e.toString());
        }
    }

    @Test
    void userMessagesRoundTripWithPortsAndAnOpaqueTail() throws Exception {
        for (int ports : new int[] {0, 1, 3, EventCodec.MAX_PORTS_PER_MESSAGE}) {
            Event.UserMessage m = message(ports);
            byte[] tail = {1, 2, 3, 4, 5};
            ByteBuffer b = EventCodec.encode(m, ByteBuffer.wrap(tail));
            assertEquals(EventCodec.USER_MESSAGE_FIXED_SIZE + ports * EventCodec.DESCRIPTOR_SIZE + tail.length, b.remaining());
            Event.UserMessage back = (Event.UserMessage) EventCodec.decode(b);
            assertEquals(m.port(), back.port());
            assertEquals(m.from(), back.from());
            assertEquals(m.sequence(), back.sequence());
            assertEquals(m.ports(), back.ports());
            ByteBuffer payload = ((BytesPayload) back.payload()).bytes();
            byte[] got = new byte[payload.remaining()];
            payload.get(got);
            assertArrayEquals(tail, got);
        }
        Event.UserMessage empty = (Event.UserMessage) EventCodec.decode(EventCodec.encode(message(0), null));
        assertEquals(0, ((BytesPayload) empty.payload()).bytes().remaining());
    }

    @Test
    void fieldsSitAtTheDocumentedOffsetsLittleEndian() {
        ByteBuffer b = EventCodec.encode(new Event.ObserveClosure(P, F, 0x0102030405060708L)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(41, b.remaining());
        assertEquals(EventCodec.OBSERVE_CLOSURE, b.get(0));
        assertEquals(P.high(), b.getLong(1));
        assertEquals(P.low(), b.getLong(9));
        assertEquals(F.high(), b.getLong(17));
        assertEquals(F.low(), b.getLong(25));
        assertEquals(0x08, b.get(33), "least significant byte first");
        assertEquals(0x0102030405060708L, b.getLong(33));

        ByteBuffer m = EventCodec.encode(message(1), null).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(42, m.getLong(33));
        assertEquals(1, m.getShort(41));
        assertEquals(100, m.getLong(43), "descriptor name high");
        assertEquals(N1.high(), m.getLong(59), "peer node");
        assertEquals(N2.high(), m.getLong(91), "referring node");
        assertEquals(5, m.getLong(123), "next sequence to send");
        assertEquals(7, m.getLong(131), "next sequence to receive");
        assertEquals(9, m.getLong(139), "last sequence to receive");
        assertEquals(1, m.get(147), "flags: peer closed");
        assertEquals(148, m.remaining());
    }

    @Test
    void everyTruncationIsRejectedNamingTheField() {
        List<Event> all = new ArrayList<>(everyControlEvent());
        all.add(message(2));
        for (Event e : all) {
            byte[] full = bytes(e, null);
            int keep = e instanceof Event.UserMessage ? EventCodec.USER_MESSAGE_FIXED_SIZE + 2 * EventCodec.DESCRIPTOR_SIZE : full.length;
            for (int len = 0; len < keep; len++) {
                byte[] cut = Arrays.copyOf(full, len);
                String why = reject(cut);
                assertTrue(why.contains("truncated: need"), e + " cut to " + len + ": " + why);
            }
        }
        assertEquals("event type truncated: need 1 bytes, 0 left", reject(new byte[0]));
        assertEquals("OBSERVE_PROXY_ACK last sequence number truncated: need 8 bytes, 3 left",
                reject(Arrays.copyOf(bytes(new Event.ObserveProxyAck(P, F, 1), null), 36)));
        assertEquals("USER_MESSAGE port descriptor 1 truncated: need 105 bytes, 104 left",
                reject(Arrays.copyOf(bytes(message(2), null), EventCodec.USER_MESSAGE_FIXED_SIZE + 2 * 105 - 1)));
    }

    @Test
    void hostileInputsAreRejectedPrecisely() {
        byte[] accepted = bytes(new Event.PortAccepted(P, F), null);

        byte[] unknown = accepted.clone();
        unknown[0] = 9;
        assertEquals("unknown event type 0x09", reject(unknown));
        unknown[0] = 0;
        assertEquals("unknown event type 0x00", reject(unknown));

        byte[] trailing = Arrays.copyOf(accepted, accepted.length + 3);
        assertEquals("PORT_ACCEPTED has 3 trailing bytes", reject(trailing));

        byte[] zeroTarget = accepted.clone();
        Arrays.fill(zeroTarget, 1, 17, (byte) 0);
        assertEquals("PORT_ACCEPTED target port is the zero id", reject(zeroTarget));

        byte[] m = bytes(message(1), null);

        byte[] tooMany = m.clone();
        ByteBuffer.wrap(tooMany).order(ByteOrder.LITTLE_ENDIAN).putShort(41, (short) 65);
        assertEquals("USER_MESSAGE carries 65 ports, limit is 64", reject(tooMany));

        byte[] hugeCount = m.clone();
        ByteBuffer.wrap(hugeCount).order(ByteOrder.LITTLE_ENDIAN).putShort(41, (short) 0xffff);
        assertEquals("USER_MESSAGE carries 65535 ports, limit is 64", reject(hugeCount));

        byte[] moreThanThere = m.clone();
        ByteBuffer.wrap(moreThanThere).order(ByteOrder.LITTLE_ENDIAN).putShort(41, (short) 2);
        assertEquals("USER_MESSAGE port descriptor 1 truncated: need 105 bytes, 0 left", reject(moreThanThere));

        byte[] seqZero = m.clone();
        ByteBuffer.wrap(seqZero).order(ByteOrder.LITTLE_ENDIAN).putLong(33, 0);
        assertEquals("USER_MESSAGE sequence number 0 (sequence numbers start at 1)", reject(seqZero));

        byte[] seqHuge = m.clone();
        ByteBuffer.wrap(seqHuge).order(ByteOrder.LITTLE_ENDIAN).putLong(33, -1);
        assertEquals("USER_MESSAGE sequence number 18446744073709551615 exceeds 2^63-1", reject(seqHuge));

        byte[] flags = m.clone();
        flags[147] = 3;
        assertEquals("USER_MESSAGE port descriptor 0 flags 0x03 has unknown bits", reject(flags));

        byte[] lastWithoutClose = m.clone();
        lastWithoutClose[147] = 0;
        assertEquals("USER_MESSAGE port descriptor 0 has last sequence number to receive 9 but its peer is not closed",
                reject(lastWithoutClose));

        byte[] lastBeforeNext = m.clone();
        ByteBuffer.wrap(lastBeforeNext).order(ByteOrder.LITTLE_ENDIAN).putLong(139, 2);
        assertEquals("USER_MESSAGE port descriptor 0 last sequence number to receive 2 precedes the next one to receive, 7",
                reject(lastBeforeNext));

        byte[] sendZero = m.clone();
        ByteBuffer.wrap(sendZero).order(ByteOrder.LITTLE_ENDIAN).putLong(123, 0);
        assertEquals("USER_MESSAGE port descriptor 0 next sequence number to send 0 (sequence numbers start at 1)", reject(sendZero));

        byte[] zeroPeer = m.clone();
        Arrays.fill(zeroPeer, 59, 75, (byte) 0);
        assertEquals("USER_MESSAGE port descriptor 0 peer node is the zero id", reject(zeroPeer));

        Event.UserMessage twice = new Event.UserMessage(P, F, 1, List.of(descriptor(0), descriptor(0)), new TestPayload("x"));
        assertEquals("USER_MESSAGE carries port " + descriptor(0).name() + " twice",
                assertThrows(IllegalArgumentException.class, () -> EventCodec.encode(twice, null)).getMessage().replace("cannot encode: ", ""));
        byte[] dup = bytes(message(2), null);
        System.arraycopy(dup, EventCodec.USER_MESSAGE_FIXED_SIZE, dup, EventCodec.USER_MESSAGE_FIXED_SIZE + 105, 16);
        assertEquals("USER_MESSAGE carries port " + descriptor(0).name() + " twice", reject(dup));

        byte[] ack = bytes(new Event.ObserveProxyAck(P, F, 1), null);
        ByteBuffer.wrap(ack).order(ByteOrder.LITTLE_ENDIAN).putLong(33, -2);
        assertEquals("OBSERVE_PROXY_ACK last sequence number 18446744073709551614 exceeds 2^63-1", reject(ack));

        byte[] closure = bytes(new Event.ObserveClosure(P, F, 1), null);
        ByteBuffer.wrap(closure).order(ByteOrder.LITTLE_ENDIAN).putLong(33, -1);
        assertEquals("OBSERVE_CLOSURE last sequence number 18446744073709551615 exceeds 2^63-1", reject(closure));

        byte[] proxy = bytes(new Event.ObserveProxy(P, F, N2, Q), null);
        Arrays.fill(proxy, 33, 49, (byte) 0);
        assertEquals("OBSERVE_PROXY target node is the zero id", reject(proxy));

        byte[] update = bytes(new Event.UpdatePrevious(P, F, N1, Q), null);
        Arrays.fill(update, 49, 65, (byte) 0);
        assertEquals("UPDATE_PREVIOUS previous port is the zero id", reject(update));
    }

    @Test
    void decodingDoesNotMoveTheCallersBuffer() throws Exception {
        ByteBuffer b = EventCodec.encode(new Event.RouteLost(P, F));
        int position = b.position();
        EventCodec.decode(b);
        assertEquals(position, b.position());
    }

    @Test
    void encodingRefusesWhatDecodingWouldReject() {
        assertThrows(IllegalArgumentException.class, () -> EventCodec.encode(new Event.UserMessage(P, F, 0, List.of(), new TestPayload("x")), null));
        assertThrows(IllegalArgumentException.class, () -> EventCodec.encode(new Event.RouteLost(P, F), ByteBuffer.allocate(1)));
        assertThrows(IllegalArgumentException.class, () -> EventCodec.encode(new Event.RouteLost(P, F), null, ByteBuffer.allocate(10)));
    }
}

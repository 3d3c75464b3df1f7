package dev.switchboard.ipc.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameCodecTest {

    private static FrameBody roundTrip(FrameBody body, int handles) throws ProtocolException {
        ByteBuffer b = ByteBuffer.allocate(FrameCodec.encodedLength(body));
        FrameCodec.encode(body, handles, b);
        assertEquals(0, b.remaining(), "encode fills exactly encodedLength");
        assertEquals(0, b.position() % FrameHeader.ALIGNMENT);
        b.flip();
        FrameHeader h = FrameHeader.peek(b, Limits.DEFAULT);
        assertEquals(handles, h.handleCount());
        assertEquals(body.type(), h.type());
        assertEquals(b.limit(), h.paddedLength());
        ByteBuffer bodyBytes = b.duplicate().position(FrameHeader.SIZE).limit(h.frameLength());
        for (int i = h.frameLength(); i < h.paddedLength(); i++) {
            assertEquals(0, b.get(i), "padding is zero");
        }
        return FrameCodec.decode(h, bodyBytes);
    }

    @Test
    void everyFrameTypeRoundTrips() throws Exception {
        Id128 a = Id128.random();
        Id128 b = Id128.random();
        assertEquals(new FrameBody.Connect(a), roundTrip(new FrameBody.Connect(a), 0));
        FrameBody.Accept accept = new FrameBody.Accept(a, b, List.of(Id128.random(), Id128.random()));
        assertEquals(accept, roundTrip(accept, 0));
        FrameBody.Invite invite = new FrameBody.Invite(a, b, a, false, List.of(
                new FrameBody.PipeName("control", Id128.random()), new FrameBody.PipeName("données", Id128.random())));
        assertEquals(invite, roundTrip(invite, 0));
        FrameBody.Invite empty = new FrameBody.Invite(a, b, b, false, List.of());
        assertEquals(empty, roundTrip(empty, 0));
        FrameBody.Invite isolated = new FrameBody.Invite(a, b, new Id128(0, 0), true, List.of(new FrameBody.PipeName("x", a)));
        assertEquals(isolated, roundTrip(isolated, 0));
        for (FrameType t : List.of(FrameType.REQUEST_INTRODUCTION, FrameType.NODE_LOST, FrameType.ADD_CLIENT, FrameType.CLIENT_HELLO)) {
            assertEquals(new FrameBody.NodeFrame(t, a), roundTrip(new FrameBody.NodeFrame(t, a), 0));
        }
        for (FrameType t : List.of(FrameType.CLIENT_ADDED, FrameType.BROKER_CHANNEL, FrameType.INTRODUCE)) {
            assertEquals(new FrameBody.NodeFrame(t, a), roundTrip(new FrameBody.NodeFrame(t, a), 1));
        }
        assertEquals(new FrameBody.NodeFrame(FrameType.INTRODUCE, a), roundTrip(new FrameBody.NodeFrame(FrameType.INTRODUCE, a), 0));
        assertEquals(new FrameBody.BadMessage(a, "bad: ünïcode"), roundTrip(new FrameBody.BadMessage(a, "bad: ünïcode"), 0));
    }

    /** Found by FrameFuzzTest: reasons of 257 to 1024 bytes were cut to 256 characters on the way out. */
    @Test
    void badMessageReasonUpToTheLimitRoundTripsUnchanged() throws Exception {
        Id128 a = Id128.random();
        String ascii = "x".repeat(FrameBody.BadMessage.MAX_REASON_BYTES);
        assertEquals(new FrameBody.BadMessage(a, ascii), roundTrip(new FrameBody.BadMessage(a, ascii), 0));
        String wide = "ü".repeat(FrameBody.BadMessage.MAX_REASON_BYTES / 2); // 2 bytes each: exactly the limit
        assertEquals(new FrameBody.BadMessage(a, wide), roundTrip(new FrameBody.BadMessage(a, wide), 0));
    }

    @Test
    void badMessageReasonOverTheLimitIsCutAtACharacterBoundary() throws Exception {
        Id128 a = Id128.random();
        // 1 + 341 * 3 = 1024 bytes fit; the next 3-byte character does not, and is not split
        String reason = "x" + "€".repeat(341) + "€€";
        FrameBody.BadMessage got = (FrameBody.BadMessage) roundTrip(new FrameBody.BadMessage(a, reason), 0);
        assertEquals("x" + "€".repeat(341), got.reason());
        // a 4-byte character straddling the limit is dropped whole
        String emoji = "x".repeat(FrameBody.BadMessage.MAX_REASON_BYTES - 2) + "\uD83D\uDEAB";
        got = (FrameBody.BadMessage) roundTrip(new FrameBody.BadMessage(a, emoji), 0);
        assertEquals("x".repeat(FrameBody.BadMessage.MAX_REASON_BYTES - 2), got.reason());
    }

    @Test
    void eventBodyOfEverySmallSizeRoundTrips() throws Exception {
        for (int size = 0; size < 40; size++) {
            byte[] payload = new byte[size];
            for (int i = 0; i < size; i++) {
                payload[i] = (byte) (i * 7 + size);
            }
            FrameBody.Event m = (FrameBody.Event) roundTrip(new FrameBody.Event(ByteBuffer.wrap(payload)), size % 61);
            byte[] got = new byte[m.bytes().remaining()];
            m.bytes().get(got);
            assertArrayEquals(payload, got);
        }
    }

    @Test
    void headerFieldsAreLittleEndianAtDocumentedOffsets() {
        ByteBuffer b = FrameCodec.encode(new FrameBody.NodeFrame(FrameType.NODE_LOST, new Id128(1, 2)));
        assertEquals('S', b.get(0));
        assertEquals('W', b.get(1));
        assertEquals('B', b.get(2));
        assertEquals('D', b.get(3));
        assertEquals(1, b.get(4));
        assertEquals(FrameType.NODE_LOST.code, b.get(5));
        assertEquals(32, b.order(ByteOrder.LITTLE_ENDIAN).getInt(8));
        assertEquals(1L, b.getLong(16));
        assertEquals(2L, b.getLong(24));
    }

    private static ByteBuffer header(int magic, int version, int type, int handles, long length, int reserved) {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(magic).put((byte) version).put((byte) type).putShort((short) handles).putInt((int) length).putInt(reserved);
        return b.flip();
    }

    private static String reject(ByteBuffer header, Limits limits) {
        return assertThrows(ProtocolException.class, () -> FrameHeader.peek(header, limits)).getMessage();
    }

    @Test
    void hostileHeadersAreRejectedWithPreciseReasons() {
        Limits l = Limits.DEFAULT;
        assertTrue(reject(header(0x12345678, 1, 6, 0, 32, 0), l).contains("bad magic 0x12345678"));
        assertTrue(reject(header(FrameHeader.MAGIC, 2, 6, 0, 32, 0), l).contains("unsupported protocol version 2"));
        assertTrue(reject(header(FrameHeader.MAGIC, 1, 0x7f, 0, 32, 0), l).contains("unknown frame type 0x7f"));
        assertTrue(reject(header(FrameHeader.MAGIC, 1, 6, 61, 32, 0), l).contains("declares 61 handles, limit is 60"));
        assertTrue(reject(header(FrameHeader.MAGIC, 1, 6, 0, 15, 0), l).contains("shorter than the 16-byte header"));
        assertTrue(reject(header(FrameHeader.MAGIC, 1, 6, 0, 0xffffffffL, 0), l).contains("frame length 4294967295 exceeds the limit"));
        assertTrue(reject(header(FrameHeader.MAGIC, 1, 6, 0, 32, 9), l).contains("reserved header field"));
        Limits small = Limits.withMaxPayload(1000);
        assertTrue(reject(header(FrameHeader.MAGIC, 1, 6, 0, 5000, 0), small).contains("exceeds the limit of " + small.maxFrameBytes()));
    }

    private static String rejectBody(FrameType type, int handles, ByteBuffer body) {
        FrameHeader h = new FrameHeader(type, handles, FrameHeader.SIZE + body.remaining());
        return assertThrows(ProtocolException.class, () -> FrameCodec.decode(h, body)).getMessage();
    }

    @Test
    void hostileBodiesAreRejectedWithPreciseReasons() {
        assertTrue(rejectBody(FrameType.NODE_LOST, 0, ByteBuffer.allocate(8)).contains("NODE_LOST node truncated"));
        assertTrue(rejectBody(FrameType.NODE_LOST, 0, ids(20, 16)).contains("4 trailing bytes"));
        assertTrue(rejectBody(FrameType.ACCEPT, 2, ByteBuffer.allocate(36)).contains("ACCEPT frame carries 2 handles; it must carry 0"));
        assertTrue(rejectBody(FrameType.CLIENT_ADDED, 0, ByteBuffer.allocate(16)).contains("CLIENT_ADDED frame carries 0 handles; it must carry 1"));
        assertTrue(rejectBody(FrameType.INTRODUCE, 2, ids(16, 16)).contains("INTRODUCE carries 2 handles; it must carry 0 or 1"));
        ByteBuffer longReason = ids(18, 16);
        longReason.position(16).putShort((short) 5000).flip();
        assertTrue(rejectBody(FrameType.BAD_MESSAGE, 0, longReason).contains("reason of 5000 bytes, limit is 1024"));

        // INVITE: token, inviter, broker (48 bytes), flags at 48, pipe count at 52, entries from 56
        ByteBuffer badFlags = ids(56, 48);
        badFlags.position(48).putInt(6).putInt(0).flip();
        assertTrue(rejectBody(FrameType.INVITE, 0, badFlags).contains("unknown flags 0x00000006"));

        ByteBuffer isolatedTwo = ids(56, 48);
        isolatedTwo.position(48).putInt(1).putInt(2).flip();
        assertTrue(rejectBody(FrameType.INVITE, 0, isolatedTwo).contains("isolated INVITE names 2 pipes; it must name exactly 1"));

        ByteBuffer tooMany = ids(56, 48);
        tooMany.position(52).putInt(5000).flip();
        assertTrue(rejectBody(FrameType.INVITE, 0, tooMany).contains("names 5000 pipes, limit is 1024"));

        ByteBuffer missing = ids(56, 48);
        missing.position(52).putInt(1).flip();
        assertTrue(rejectBody(FrameType.INVITE, 0, missing).contains("INVITE pipe port 0 truncated"));

        ByteBuffer badUtf8 = ids(56 + 16 + 2 + 2, 48);
        badUtf8.position(52).putInt(1).putLong(1).putLong(2).putShort((short) 2).put((byte) 0xc3).put((byte) 0x28).flip();
        assertTrue(rejectBody(FrameType.INVITE, 0, badUtf8).contains("not valid UTF-8"));

        ByteBuffer longName = ids(56 + 16 + 2, 48);
        longName.position(52).putInt(1).putLong(1).putLong(2).putShort((short) 300).flip();
        assertTrue(rejectBody(FrameType.INVITE, 0, longName).contains("name length 300 outside 1..255"));

        Id128 id = Id128.random();
        ByteBuffer dup = FrameCodec.encode(new FrameBody.Invite(id, id, id, false, List.of(
                new FrameBody.PipeName("a", id), new FrameBody.PipeName("b", id))));
        FrameHeader h = new FrameHeader(FrameType.INVITE, 0, dup.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt(8));
        ByteBuffer body = dup.duplicate().position(16).limit(h.frameLength());
        assertTrue(assertThrows(ProtocolException.class, () -> FrameCodec.decode(h, body)).getMessage().contains("twice"));
    }

    /** A little-endian buffer of {@code size} bytes whose first {@code idBytes} are non-zero ids. */
    private static ByteBuffer ids(int size, int idBytes) {
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < idBytes; i++) {
            b.put(i, (byte) 0x11);
        }
        return b;
    }

    private static ByteBuffer bodyOf(FrameBody f) {
        ByteBuffer encoded = FrameCodec.encode(f);
        int length = encoded.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt(8);
        return encoded.position(FrameHeader.SIZE).limit(length).slice();
    }

    private static String rejectEncoded(FrameBody f) {
        return rejectBody(f.type(), 0, bodyOf(f));
    }

    @Test
    void zeroIdsAreRejectedNamingTheField() {
        Id128 zero = new Id128(0, 0);
        Id128 a = Id128.random();
        Id128 b = Id128.random();
        List<FrameBody.PipeName> one = List.of(new FrameBody.PipeName("p", a));
        assertEquals("INVITE token is zero; ids are never zero", rejectEncoded(new FrameBody.Invite(zero, a, b, false, one)));
        assertEquals("INVITE inviter node is zero; ids are never zero", rejectEncoded(new FrameBody.Invite(a, zero, b, false, one)));
        assertEquals("INVITE broker is zero; only an isolated invitation has no broker", rejectEncoded(new FrameBody.Invite(a, b, zero, false, one)));
        assertTrue(rejectEncoded(new FrameBody.Invite(a, b, b, true, one)).startsWith("isolated INVITE names broker "));
        assertEquals("INVITE pipe port 1 is zero; ids are never zero", rejectEncoded(new FrameBody.Invite(a, b, b, false,
                List.of(new FrameBody.PipeName("p", a), new FrameBody.PipeName("q", zero)))));
        assertEquals("ACCEPT token is zero; ids are never zero", rejectEncoded(new FrameBody.Accept(zero, a, List.of(b))));
        assertEquals("ACCEPT invitee node is zero; ids are never zero", rejectEncoded(new FrameBody.Accept(a, zero, List.of(b))));
        assertEquals("ACCEPT port 1 is zero; ids are never zero", rejectEncoded(new FrameBody.Accept(a, b, List.of(a, zero))));
        assertTrue(rejectEncoded(new FrameBody.Accept(a, b, List.of(a, a))).startsWith("ACCEPT uses port "));
        assertEquals("NODE_LOST node is zero; ids are never zero", rejectEncoded(new FrameBody.NodeFrame(FrameType.NODE_LOST, zero)));
        assertEquals("CONNECT token is zero; ids are never zero", rejectEncoded(new FrameBody.Connect(zero)));
        assertEquals("BAD_MESSAGE node is zero; ids are never zero", rejectEncoded(new FrameBody.BadMessage(zero, "x")));
        // an isolated invitation names no broker, and that decodes
        FrameBody.Invite isolated = new FrameBody.Invite(a, b, zero, true, one);
        assertDoesNotThrow(() -> FrameCodec.decode(new FrameHeader(FrameType.INVITE, 0, FrameHeader.SIZE + isolated.bodyLength()), bodyOf(isolated)));
    }

    @Test
    void encodeRefusesMoreHandlesThanOneReadCanDeliver() {
        ByteBuffer b = ByteBuffer.allocate(64);
        assertThrows(IllegalArgumentException.class, () -> FrameCodec.encode(new FrameBody.Event(ByteBuffer.allocate(8)), 61, b));
    }

    @Test
    void idHexRoundTrips() {
        Id128 id = new Id128(-1, 0x0123456789abcdefL);
        assertEquals("ffffffffffffffff0123456789abcdef", id.toHex());
        assertEquals(id, Id128.fromHex(id.toHex()));
    }
}

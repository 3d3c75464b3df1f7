package dev.switchboard.ipc.typed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.pickle.ParamCodec;
import dev.switchboard.ipc.pickle.ParamCodecs;
import dev.switchboard.ipc.pickle.Pickle;
import dev.switchboard.ipc.pickle.PickleReader;
import dev.switchboard.ipc.typed.TestMessages.EverythingMsg;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every codec round-trips, for hand-picked edge values and for random records from seeds. */
class PickleRoundTripTest {

    private static final MessageTypes TYPES = Channels.TYPES;

    /** Encodes as a request, decodes with the handles the message carried, returns the body. */
    static Object roundTrip(Object body) {
        Message m = MessageCodec.encodeRequest(TYPES, 5, body, 0, 0);
        assertEquals(0, m.bytes().length % 4, "4-byte aligned");
        DecodedMessage d = MessageCodec.decode(TYPES, m.bytes(), m.takeHandles(), m.takePipes());
        assertEquals(new MessageHeader(5, TYPES.typeIdOf(body.getClass()), 0, 0), d.header());
        return d.body();
    }

    @Test
    void edgeValuesOfEveryLeafType() {
        for (Object v : List.of(
                new EverythingMsg.Prims(true, Byte.MIN_VALUE, Short.MIN_VALUE, Character.MAX_VALUE, Integer.MIN_VALUE, Long.MIN_VALUE,
                        Float.NaN, Double.NEGATIVE_INFINITY),
                new EverythingMsg.Prims(false, Byte.MAX_VALUE, Short.MAX_VALUE, Character.MIN_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE,
                        -0.0f, Double.MIN_VALUE),
                new EverythingMsg.Boxes(false, (byte) 0, (short) -1, 'x', -1, 1L, 1.5f, 2.5),
                new EverythingMsg.Times(java.time.Instant.MIN, java.time.Duration.ofSeconds(Long.MIN_VALUE)),
                new EverythingMsg.Times(java.time.Instant.MAX, java.time.Duration.ofSeconds(Long.MAX_VALUE, 999_999_999)),
                new EverythingMsg.Colls(List.of(), java.util.Set.of(), Map.of(), Optional.empty(), Optional.of("")))) {
            assertEquals(v, roundTrip(v));
        }
        EverythingMsg.Texts t = new EverythingMsg.Texts("héllo wörld 𝄞 ✓", new byte[] {0, -1, 127, -128, 5},
                java.net.URI.create("urn:x:y?z#w"), java.util.UUID.randomUUID());
        EverythingMsg.Texts back = (EverythingMsg.Texts) roundTrip(t);
        assertEquals(t.s(), back.s());
        assertArrayEquals(t.bytes(), back.bytes());
        assertEquals(t.uri(), back.uri());
        assertEquals(t.id(), back.id());
    }

    @Test
    void randomRecordsFromSeedsRoundTripWithTheirHandles() {
        for (long seed = 0; seed < 3000; seed++) {
            RandomValues rv = new RandomValues(seed);
            EverythingMsg v = rv.message((int) (seed % RandomValues.KINDS));
            Object back = roundTrip(v);
            String where = "seed " + seed + ": " + v;
            if (v instanceof EverythingMsg.Texts t) {
                EverythingMsg.Texts b = (EverythingMsg.Texts) back;
                assertEquals(t.s(), b.s(), where);
                assertArrayEquals(t.bytes(), b.bytes(), where);
                assertEquals(t.uri(), b.uri(), where);
                assertEquals(t.id(), b.id(), where);
            } else if (v instanceof EverythingMsg.Handles h) {
                EverythingMsg.Handles b = (EverythingMsg.Handles) back;
                assertEquals(values(h), values(b), where);
                closeAll(b);
            } else {
                assertEquals(v, back, where);
            }
        }
    }

    private static List<Long> values(EverythingMsg.Handles h) {
        List<Long> out = new ArrayList<>();
        h.files().forEach(f -> out.add(f.value()));
        h.extra().ifPresent(f -> out.add(f.value()));
        out.add(h.last().value());
        return out;
    }

    private static void closeAll(EverythingMsg.Handles h) {
        h.files().forEach(PlatformHandle::close);
        h.extra().ifPresent(PlatformHandle::close);
        h.last().close();
    }

    /** The example in docs/protocol.md, byte for byte. */
    @Test
    void theDocumentedExampleIsWhatGoesOnTheWire() {
        Message m = MessageCodec.encodeRequest(TYPES, MessageRouter.CONTROL,
                new TestMessages.ChildProcessMsg.HistogramData("startup", List.of(7L)), 0, 0);
        assertEquals("ffffff7f" + "01001c00" + "00000000" + "0000000000000000"
                + "07000000" + "73746172747570" + "00"
                + "01000000" + "0700000000000000", java.util.HexFormat.of().formatHex(m.bytes()));
    }

    @Test
    void decodedContainersAreUnmodifiable() {
        EverythingMsg.Colls c = (EverythingMsg.Colls) roundTrip(new EverythingMsg.Colls(List.of("a"), java.util.Set.of(1),
                Map.of("k", List.of(1L)), Optional.empty(), Optional.empty()));
        assertThrows(UnsupportedOperationException.class, () -> c.list().add("b"));
        assertThrows(UnsupportedOperationException.class, () -> c.map().get("k").add(2L));
    }

    record Point(int x, int y) {}

    /** A user type that is not a record, with its own codec. */
    static final class Money {
        final long cents;

        Money(long cents) {
            this.cents = cents;
        }
    }

    @Test
    void userCodecsAreUsedForTheirTypes() {
        ParamCodec<Money> money = new ParamCodec<>() {
            @Override
            public void write(Pickle p, Money v) {
                p.writeLong(v.cents);
            }

            @Override
            public Money read(PickleReader r) {
                return new Money(r.readLong());
            }

            @Override
            public int minWireSize() {
                return 8;
            }
        };
        ParamCodecs codecs = ParamCodecs.builder().add(Money.class, money).build();
        @SuppressWarnings("unchecked")
        ParamCodec<Map<String, Money>> c = (ParamCodec<Map<String, Money>>) codecs.codecFor(field("wallet"));
        Pickle p = new Pickle();
        c.write(p, Map.of("a", new Money(12345)));
        PickleReader r = new PickleReader(p.toByteArray());
        assertEquals(12345, c.read(r).get("a").cents);
        r.finish();
        assertThrows(IllegalArgumentException.class, () -> ParamCodecs.defaults().codecFor(Money.class));
        assertThrows(IllegalArgumentException.class, () -> ParamCodecs.builder().add(Money.class, money).add(Money.class, money));
    }

    Map<String, Money> wallet;

    private static Type field(String name) {
        try {
            return PickleRoundTripTest.class.getDeclaredField(name).getGenericType();
        } catch (NoSuchFieldException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void unsupportedTypesAreRefusedWhenResolved() {
        assertThrows(IllegalArgumentException.class, () -> ParamCodecs.defaults().codecFor(Object.class));
        assertThrows(IllegalArgumentException.class, () -> ParamCodecs.defaults().codecFor(Runnable.class));
        assertThrows(IllegalArgumentException.class, () -> ParamCodecs.defaults().codecFor(int[].class));
        record Wild(List<?> xs) {}
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ParamCodecs.defaults().codecFor(Wild.class));
        assertTrue(e.getMessage().contains("xs"), e.getMessage());
        assertEquals(new Point(3, -4), roundTripValue(new Point(3, -4)));
    }

    private static Object roundTripValue(Point v) {
        ParamCodec<Point> c = ParamCodecs.defaults().codecFor(Point.class);
        Pickle p = new Pickle();
        c.write(p, v);
        PickleReader r = new PickleReader(p.toByteArray());
        Point back = c.read(r);
        r.finish();
        return back;
    }
}

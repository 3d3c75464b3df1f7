package dev.switchboard.ipc.typed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.pickle.PickleException;
import dev.switchboard.ipc.pickle.PickleException.Reason;
import dev.switchboard.ipc.pickle.PickleReader;
import dev.switchboard.ipc.typed.TestMessages.ChildProcessMsg;
import dev.switchboard.ipc.typed.TestMessages.EverythingMsg;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Hostile bytes into the decoder: every one ends in a {@link PickleException} with a precise
 * reason, never another exception, never an allocation larger than the input justifies, and
 * never a leaked handle.
 */
class HostileInputTest {

    private static final MessageTypes TYPES = Channels.TYPES;
    private static final int BENCH = TYPES.typeIdOf(EverythingMsg.Bench.class);
    private static final int COLLS = TYPES.typeIdOf(EverythingMsg.Colls.class);
    private static final int TEXTS = TYPES.typeIdOf(EverythingMsg.Texts.class);
    private static final int NESTED = TYPES.typeIdOf(EverythingMsg.Nested.class);
    private static final int HANDLES = TYPES.typeIdOf(EverythingMsg.Handles.class);
    private static final int PAINT = TYPES.typeIdOf(ChildProcessMsg.Paint.class);
    private static final int PING = TYPES.typeIdOf(ChildProcessMsg.Ping.class);

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static Reason reasonOf(byte[] bytes, int handles) {
        try {
            MessageCodec.decodeForFuzzing(TYPES, bytes, handles);
        } catch (PickleException e) {
            return e.reason();
        }
        return null;
    }

    private static void assertRejected(Reason expected, byte[] bytes) {
        assertEquals(expected, reasonOf(bytes, 0), () -> HexFormat.ofDelimiter(" ").formatHex(bytes));
    }

    /** Valid encodings of each declared shape, each with the number of handles it needs. */
    private static List<Object[]> corpus() {
        List<Object[]> out = new ArrayList<>();
        for (int seed = 0; seed < 40; seed++) {
            EverythingMsg v = new RandomValues(seed).message(seed % RandomValues.KINDS);
            Message m = MessageCodec.encodeRequest(TYPES, 1, v, 0, 0);
            int handles = m.handleCount();
            m.close();
            out.add(new Object[] {m.bytes(), handles});
        }
        return out;
    }

    @Test
    void truncationAtEveryOffsetIsRejectedAndClosesTheHandles() {
        for (Object[] c : corpus()) {
            byte[] full = (byte[]) c[0];
            int handles = (int) c[1];
            for (int len = 0; len < full.length; len++) {
                List<PlatformHandle> hs = new ArrayList<>();
                for (int i = 0; i < handles; i++) {
                    hs.add(LedgerTransport.newHandle());
                }
                byte[] cut = Arrays.copyOf(full, len);
                PickleException e = assertThrows(PickleException.class, () -> MessageCodec.decode(TYPES, cut, hs, List.of()),
                        "decoded a message cut to " + len + " of " + full.length + " bytes");
                assertTrue(e.reason() == Reason.TRUNCATED || e.reason() == Reason.BAD_LENGTH || e.reason() == Reason.BAD_HEADER
                        || e.reason() == Reason.UNCLAIMED_HANDLES, e.reason() + ": " + e.getMessage());
                for (PlatformHandle h : hs) {
                    assertFalse(h.isValid(), "handle left open after a failed decode");
                }
            }
        }
    }

    @Test
    void negativeAndHugeCountsFailWithoutAllocating() {
        long[] counts = {-1, Integer.MIN_VALUE, Integer.MAX_VALUE, 1L << 30, 0x7FFF_FFF0L};
        for (long count : counts) {
            byte[] list = HostileBytes.header(BENCH).i32(1).str("x").i32((int) count).bytes();
            byte[] bytes = HostileBytes.header(TEXTS).str("").i32((int) count).bytes(); // byte[] length
            byte[] map = HostileBytes.header(COLLS).i32(0).i32(0).i32((int) count).bytes();
            for (byte[] b : List.of(list, bytes, map)) {
                reasonOf(b, 0); // warm up: class loading and JIT allocate too
                long before = THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
                Reason r = reasonOf(b, 0);
                long allocated = THREADS.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
                assertEquals(Reason.BAD_LENGTH, r, "count " + count);
                assertTrue(allocated < 16 * 1024, "decoding a count of " + count + " allocated " + allocated + " bytes");
            }
        }
    }

    @Test
    void misalignedAndBadlyPaddedInputIsRejected() {
        // a body that ends mid-slot
        assertRejected(Reason.TRUNCATED, HostileBytes.header(PAINT).i32(1).i32(2).i32(3).bytesPlus((byte) 4, (byte) 0));
        // trailing bytes after the last field
        assertRejected(Reason.TRAILING_BYTES, HostileBytes.header(PAINT).i32(1).i32(2).i32(3).i32(4).bytesPlus((byte) 0));
        // a string of length 1 whose padding is not zero
        byte[] s = HostileBytes.header(PING).i32(1).i32(1).bytesPlus((byte) 'a', (byte) 0, (byte) 7, (byte) 0);
        // Ping expects a reply: fix the header flags to sync so that the body is what is tested
        byte[] sync = HostileBytes.header(MessageRouter.CONTROL, PING, MessageHeader.SYNC | MessageHeader.EXPECTS_REPLY, 9)
                .i32(1).i32(1).bytesPlus((byte) 'a', (byte) 0, (byte) 7, (byte) 0);
        assertRejected(Reason.BAD_HEADER, s);
        assertRejected(Reason.BAD_PADDING, sync);
        // a header shorter than 20 bytes
        assertRejected(Reason.BAD_HEADER, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    }

    @Test
    void deepNestingIsCappedWithoutStackOverflow() {
        HostileBytes b = HostileBytes.header(NESTED);
        for (int i = 0; i < 100_000; i++) {
            b.str("").i32(1); // Tree(label "", children: 1 more Tree)
        }
        assertRejected(Reason.TOO_DEEP, b.bytes());
        // just under the cap decodes: each Tree level nests twice (the record and its list)
        int ok = PickleReader.MAX_DEPTH / 2 - 2;
        HostileBytes good = HostileBytes.header(NESTED);
        for (int i = 0; i < ok; i++) {
            good.str("").i32(1);
        }
        good.str("").i32(0).i32(0).i32(0).i32(0); // leaf; color RED; Empty; no empties
        assertEquals(null, reasonOf(good.bytes(), 0));
    }

    @Test
    void handleIndicesMustBeInOrderInRangeUsedOnceAndAllClaimed() {
        // Handles(files: [0, 0], extra: none, last: 1)
        assertEquals(Reason.BAD_HANDLE, reasonOf(HostileBytes.header(HANDLES).i32(2).i32(0).i32(0).i32(0).i32(1).bytes(), 2));
        assertEquals(Reason.BAD_HANDLE, reasonOf(HostileBytes.header(HANDLES).i32(2).i32(1).i32(0).i32(0).i32(2).bytes(), 3));
        assertEquals(Reason.BAD_HANDLE, reasonOf(HostileBytes.header(HANDLES).i32(0).i32(0).i32(5).bytes(), 1));
        assertEquals(Reason.BAD_HANDLE, reasonOf(HostileBytes.header(HANDLES).i32(0).i32(0).i32(-1).bytes(), 1));
        assertEquals(Reason.UNCLAIMED_HANDLES, reasonOf(HostileBytes.header(HANDLES).i32(0).i32(0).i32(0).bytes(), 2));
        assertEquals(null, reasonOf(HostileBytes.header(HANDLES).i32(1).i32(0).i32(0).i32(1).bytes(), 2));
    }

    @Test
    void unknownTypesFlagsAndValuesAreRejected() {
        assertRejected(Reason.UNKNOWN_TYPE, HostileBytes.header(0x7777_0001).i32(0).bytes());
        assertRejected(Reason.UNKNOWN_TYPE, HostileBytes.header(PAINT + 0x100).i32(0).bytes());
        assertRejected(Reason.BAD_HEADER, HostileBytes.header(1, PAINT, 0x40, 0).bytes());
        assertRejected(Reason.BAD_HEADER, HostileBytes.header(1, PAINT, MessageHeader.SYNC | MessageHeader.EXPECTS_REPLY, 3).bytes());
        assertRejected(Reason.BAD_HEADER, HostileBytes.header(1, PAINT, 0, 3).bytes());
        assertRejected(Reason.BAD_HEADER, HostileBytes.header(1, PING, MessageHeader.EXPECTS_REPLY, 0).bytes());
        assertRejected(Reason.BAD_HEADER, HostileBytes.header(1, PING, MessageHeader.REPLY_ERROR, 4).bytes());
        assertRejected(Reason.BAD_HEADER, HostileBytes.header(1, PAINT, MessageHeader.REPLY, 4).bytes());
        // record validation runs: Rect refuses a negative width
        assertRejected(Reason.INVALID_VALUE, HostileBytes.header(PAINT).i32(0).i32(0).i32(-5).i32(1).bytes());
        int prims = TYPES.typeIdOf(EverythingMsg.Prims.class);
        assertRejected(Reason.INVALID_VALUE, HostileBytes.header(prims).i32(2).bytes()); // bool 2
        assertRejected(Reason.INVALID_VALUE, HostileBytes.header(prims).i32(1).i32(300).bytes()); // byte 300
        // enum value 3 of a 3-constant enum
        assertRejected(Reason.INVALID_VALUE, HostileBytes.header(NESTED).str("").i32(0).i32(3).i32(0).i32(0).bytes());
        // an empty record that is not int32 0
        assertRejected(Reason.INVALID_VALUE, HostileBytes.header(NESTED).str("").i32(0).i32(0).i32(9).i32(0).bytes());
        // a set with a repeated element, a map with a repeated key
        assertRejected(Reason.INVALID_VALUE, HostileBytes.header(COLLS).i32(0).i32(2).i32(7).i32(7).bytes());
        assertRejected(Reason.INVALID_VALUE, HostileBytes.header(COLLS).i32(0).i32(0).i32(2).str("k").i32(0).str("k").i32(0).bytes());
        // nanoseconds out of range
        int times = TYPES.typeIdOf(EverythingMsg.Times.class);
        assertRejected(Reason.INVALID_VALUE, HostileBytes.header(times).i64(0).i32(1_000_000_000).i64(0).i32(0).bytes());
        // instant beyond Instant.MAX
        assertRejected(Reason.INVALID_VALUE, HostileBytes.header(times).i64(Long.MAX_VALUE).i32(0).i64(0).i32(0).bytes());
        // a malformed URI
        assertRejected(Reason.INVALID_VALUE, HostileBytes.header(TEXTS).str("").i32(0).str("a b:\\").i64(0).i64(0).bytes());
    }

    @Test
    void invalidUtf8IsRejected() {
        byte[][] bad = {
            {(byte) 0xC0, (byte) 0x80}, // overlong NUL
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // a surrogate
            {(byte) 0xE2, (byte) 0x82}, // truncated sequence
            {(byte) 0xFF}, // never valid
            {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // beyond U+10FFFF
        };
        for (byte[] s : bad) {
            byte[] padded = Arrays.copyOf(s, (s.length + 3) & ~3);
            byte[] msg = HostileBytes.header(TEXTS).i32(s.length).bytesPlus(padded);
            byte[] full = Arrays.copyOf(msg, msg.length + 24);
            assertEquals(Reason.BAD_UTF8, reasonOf(full, 0), HexFormat.of().formatHex(s));
        }
    }

    @Test
    void aPoisonedReaderStaysFailed() {
        PickleReader r = new PickleReader(new byte[] {1, 0, 0, 0, 2, 0});
        assertEquals(1, r.readInt());
        assertEquals(Reason.TRUNCATED, assertThrows(PickleException.class, r::readInt).reason());
        assertTrue(r.isPoisoned());
        assertEquals(Reason.POISONED, assertThrows(PickleException.class, r::readInt).reason());
        assertEquals(Reason.POISONED, assertThrows(PickleException.class, r::finish).reason());
    }

    /**
     * A million random mutations of valid messages: flipped bytes, edge-value words, cuts,
     * insertions, random handle counts. Each must decode or fail with a PickleException, and no
     * decode may allocate more than a small multiple of its input.
     */
    @Test
    void aMillionMutationsEndInPickleExceptionsOnly() {
        List<Object[]> corpus = corpus();
        Random rnd = new Random(0x5eed);
        int[] edge = {0, -1, 1, Integer.MAX_VALUE, Integer.MIN_VALUE, 0x7FFF_FFF0, 4, 0x10000, PING, MessageHeader.SYNC};
        long tid = Thread.currentThread().getId();
        int decoded = 0;
        for (int iter = 0; iter < 1_000_000; iter++) {
            Object[] c = corpus.get(rnd.nextInt(corpus.size()));
            byte[] b = ((byte[]) c[0]).clone();
            int handles = (int) c[1];
            for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                int op = rnd.nextInt(6);
                if (b.length == 0) {
                    break;
                }
                int at = rnd.nextInt(b.length);
                switch (op) {
                    case 0 -> b[at] ^= (byte) (1 << rnd.nextInt(8));
                    case 1 -> b[at] = (byte) rnd.nextInt();
                    case 2 -> {
                        int w = (at & ~3);
                        if (w + 4 <= b.length) {
                            int v = edge[rnd.nextInt(edge.length)];
                            b[w] = (byte) v;
                            b[w + 1] = (byte) (v >> 8);
                            b[w + 2] = (byte) (v >> 16);
                            b[w + 3] = (byte) (v >> 24);
                        }
                    }
                    case 3 -> b = Arrays.copyOf(b, at);
                    case 4 -> {
                        byte[] n = new byte[b.length + 4];
                        System.arraycopy(b, 0, n, 0, at);
                        System.arraycopy(b, at, n, at + 4, b.length - at);
                        b = n;
                    }
                    default -> handles = rnd.nextInt(4);
                }
            }
            long before = THREADS.getThreadAllocatedBytes(tid);
            try {
                MessageCodec.decodeForFuzzing(TYPES, b, handles);
                decoded++;
            } catch (PickleException e) {
                // expected for most; a cause means some other exception was thrown inside and wrapped
                if (e.getCause() != null) {
                    fail("iteration " + iter + ": built-in codecs threw " + e.getCause(), e.getCause());
                }
            } catch (Throwable t) {
                fail("iteration " + iter + ": " + t + " for " + HexFormat.of().formatHex(b), t);
            }
            long allocated = THREADS.getThreadAllocatedBytes(tid) - before;
            // the first iterations also load classes and compile code, which allocates too
            if (iter >= 50_000 && allocated > 64L * b.length + 64 * 1024) {
                fail("iteration " + iter + " allocated " + allocated + " bytes for " + b.length + " bytes of input");
            }
        }
        assertTrue(decoded > 0, "some mutations are still valid messages");
    }
}

package dev.switchboard.ipc.broker.sandbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.spi.HandleOps;
import java.io.FileDescriptor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Sandbox packets decoded from arbitrary bytes, the way {@link SandboxIpcHost} reads a request
 * and {@link SandboxIpcClient} a reply: a {@link PacketReader} over the bytes after the magic (or
 * status), the request type's codec, and the check that nothing is left over. The only acceptable
 * failure is {@link MalformedPacketException}; a codec that throws anything else has a bug.
 *
 * <p>What decodes must encode back to exactly the same bytes. A LocalTime request is also answered
 * as the host answers it, and the answer must decode on the client: the host must never send what
 * its own client rejects. Replies carry fake handles, and every one must end up either in the
 * decoded value or closed by the reader, exactly once.
 */
class SandboxPacketFuzzTest {

    /** Request types the host answers, and user-defined ones built from the stock codecs. */
    private static final List<RequestType<?, ?>> TYPES = List.of(
            SandboxRequests.LOCAL_TIME,
            SandboxRequests.MAKE_SHARED_MEMORY_SEGMENT,
            RequestType.of("Int", 0x46555A01, SandboxCodecs.INT, SandboxCodecs.LONG),
            RequestType.of("Long", 0x46555A02, SandboxCodecs.LONG, SandboxCodecs.INT),
            RequestType.of("String", 0x46555A03, SandboxCodecs.STRING, SandboxCodecs.BYTES),
            RequestType.of("Bytes", 0x46555A04, SandboxCodecs.BYTES, SandboxCodecs.STRING),
            RequestType.of("Empty", 0x46555A05, SandboxCodecs.EMPTY, SandboxCodecs.EMPTY));

    /** Input: a request packet, magic first, as the host receives it. */
    @FuzzTest
    void request(byte[] packet) throws Exception {
        if (packet.length < SandboxIpc.MAGIC_BYTES) {
            return; // rejected before any codec runs
        }
        int magic = bigEndianInt(packet);
        RequestType<?, ?> type = null;
        for (RequestType<?, ?> t : TYPES) {
            if (t.magic() == magic) {
                type = t;
            }
        }
        if (type == null) {
            return; // UNKNOWN_TYPE
        }
        Object request;
        PacketReader in = new PacketReader(packet, SandboxIpc.MAGIC_BYTES, new PlatformHandle[0]);
        try {
            request = type.requestCodec().decode(in);
            if (in.remaining() != 0) {
                return; // bytes left over: MALFORMED_PAYLOAD
            }
        } catch (MalformedPacketException e) {
            return;
        }
        try (PacketWriter out = new PacketWriter(0)) {
            out.putInt(magic);
            encode(type.requestCodec(), request, out);
            RequestType<?, ?> decodedAs = type;
            assertArrayEquals(packet, out.toByteArray(), () -> "re-encoding a decoded " + decodedAs + " request changed its bytes");
        }
        if (request instanceof SandboxRequests.LocalTimeRequest localTime) {
            answerAndDecode(localTime);
        }
    }

    private static void answerAndDecode(SandboxRequests.LocalTimeRequest request) {
        BrokenDownTime answer;
        try {
            answer = SandboxRequests.localTime(request);
        } catch (SandboxRequestRefusedException e) {
            return; // the host answers with STATUS_REFUSED
        }
        byte[] reply;
        try (PacketWriter out = new PacketWriter(SandboxIpc.MAX_REPLY_HANDLES)) {
            SandboxRequests.LOCAL_TIME.replyCodec().encode(answer, out);
            reply = out.toByteArray();
        }
        try (PacketReader in = new PacketReader(reply, 0, new PlatformHandle[0])) {
            assertEquals(answer, SandboxRequests.LOCAL_TIME.replyCodec().decode(in),
                    () -> "the client must accept the host's answer to " + request);
            assertEquals(0, in.remaining());
        }
    }

    /**
     * Input: byte 0 picks the request type, byte 1 how many handles (0 to 16) arrive with the reply;
     * the rest is the reply packet, status first, as the client receives it.
     */
    @FuzzTest
    void reply(byte[] input) {
        if (input.length < 2) {
            return;
        }
        RequestType<?, ?> type = TYPES.get((input[0] & 0xff) % TYPES.size());
        int handleCount = (input[1] & 0xff) % (SandboxIpc.MAX_REPLY_HANDLES + 1);
        byte[] packet = Arrays.copyOfRange(input, 2, input.length);
        FakeHandles fakes = new FakeHandles();
        PlatformHandle[] handles = new PlatformHandle[handleCount];
        for (int i = 0; i < handleCount; i++) {
            handles[i] = PlatformHandle.adopt(100 + i, fakes);
        }
        Object reply = null;
        try (PacketReader in = new PacketReader(packet, Math.min(packet.length, SandboxIpc.STATUS_BYTES), handles)) {
            if (packet.length < SandboxIpc.STATUS_BYTES) {
                return; // the client reports a malformed reply; the reader closes the handles
            }
            int status = bigEndianInt(packet);
            try {
                if (status == SandboxIpc.STATUS_OK) {
                    reply = type.replyCodec().decode(in);
                } else if (status == SandboxIpc.STATUS_REFUSED || status == SandboxIpc.STATUS_FAILED) {
                    in.getString();
                }
            } catch (MalformedPacketException e) {
                // the client fails the call; the reader closes what the codec did not take
            }
        } finally {
            // Every handle is closed exactly once, or moved into the reply, never both.
            Set<Long> inReply = new HashSet<>();
            if (reply instanceof PlatformHandle h) {
                inReply.add(h.release());
            }
            Set<Long> all = new HashSet<>(fakes.closed);
            assertEquals(fakes.closed.size(), all.size(), () -> "a handle was closed twice: " + fakes.closed);
            for (long v : inReply) {
                assertTrue(all.add(v), () -> "handle " + v + " both closed and in the reply");
            }
            assertEquals(handleCount, all.size(), () -> "every handle closed or handed over: " + fakes.closed + " " + inReply);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> void encode(SandboxCodec<T> codec, Object value, PacketWriter out) {
        codec.encode((T) value, out);
    }

    private static int bigEndianInt(byte[] b) {
        return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
    }

    /** Records closes of made-up handle values instead of closing anything. */
    private static final class FakeHandles implements HandleOps {
        final List<Long> closed = new ArrayList<>();

        @Override
        public void close(long handle) {
            closed.add(handle);
        }

        @Override
        public long duplicate(long handle) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long duplicate(FileDescriptor fd) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileDescriptor toFileDescriptor(long handle) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setNotInheritable(long handle) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String describe(long handle) {
            return "fake " + handle;
        }
    }
}

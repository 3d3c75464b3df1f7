package dev.switchboard.ipc.transport.unix;

import dev.switchboard.ipc.ports.EventCodec;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.HandleDescriptor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The user payload of a large EVENT frame, read from the socket straight into the array the
 * application will get ({@code Message.bytes()}), so that a megabyte costs one copy out of the
 * kernel instead of a pass through the cumulation, its regrowths and a final copy. The array
 * grows by doubling as bytes arrive, so memory follows what the peer sent, never the length its
 * header declares (a payload above {@link #FIRST_STEP_BYTES} costs a few array copies).
 *
 * <p>The split point is the end of the USER_MESSAGE event header (docs/protocol.md §6: 43 bytes
 * plus 105 per port descriptor plus 16 per handle descriptor). Nothing here validates the event: the header bytes go to the
 * listener as {@link FrameBody.Event#bytes()} and the payload as {@link FrameBody.Event#tail()},
 * and the event codec checks the header as it would a whole body. A body that does not look like
 * a user message is simply not split.
 */
final class DirectPayload {

    /** Payloads smaller than this go through the cumulation: the copy is cheap, the bookkeeping is not. */
    static final int MIN_BYTES = 64 * 1024;

    /**
     * One read into the payload asks for at most this much. junixsocket reads a heap buffer through
     * a thread-local direct buffer of at most a megabyte, so a larger request returns no more, and
     * Netty's read loop goes on reading only after a read that filled what it asked for.
     */
    static final int MAX_READ_BYTES = 1 << 20;

    /** Event type of a user message (docs/protocol.md §6). */
    private static final int USER_MESSAGE = 0x01;
    private static final int PORT_COUNT_OFFSET = EventCodec.USER_MESSAGE_FIXED_SIZE - 2;

    /**
     * The array starts at this size (or the payload's, if smaller) and doubles as bytes arrive, so
     * that a header declaring 64 MiB costs what the peer actually sent, not what it claimed.
     */
    static final int FIRST_STEP_BYTES = 64 * 1024;

    private final ByteBuffer eventHeader;
    /** The declared payload length; the array reaches it only with the last bytes. */
    private final int length;
    private byte[] payload;
    private int filled;
    /** The buffer the current read fills, to recognise it when Netty passes it on. */
    private ByteBuf readTarget;

    private DirectPayload(ByteBuffer eventHeader, int length) {
        this.eventHeader = eventHeader;
        this.length = length;
        this.payload = new byte[Math.min(length, FIRST_STEP_BYTES)];
    }

    /**
     * Where the user payload starts in an EVENT body.
     *
     * @param body the body's first bytes (at least {@link EventCodec#USER_MESSAGE_FIXED_SIZE}, else the answer is 0)
     * @param handleCount the handles the frame declares: one handle descriptor each follows the
     *     port descriptors, and belongs to the event header
     * @return the event header's length; 0 when more bytes are needed to tell; -1 when the body is
     *     not a user message with a well-formed port count, and is not to be split
     */
    static int eventHeaderLength(ByteBuf body, int bodyLength, int handleCount) {
        if (body.readableBytes() < EventCodec.USER_MESSAGE_FIXED_SIZE) {
            return 0;
        }
        int at = body.readerIndex();
        if ((body.getByte(at) & 0xff) != USER_MESSAGE) {
            return -1;
        }
        int ports = body.getUnsignedShortLE(at + PORT_COUNT_OFFSET);
        if (ports > EventCodec.MAX_PORTS_PER_MESSAGE) {
            return -1; // the codec will reject it with the exact reason
        }
        int length = EventCodec.USER_MESSAGE_FIXED_SIZE + ports * EventCodec.DESCRIPTOR_SIZE
                + Math.max(0, handleCount) * HandleDescriptor.SIZE;
        return length <= bodyLength ? length : -1;
    }

    /**
     * Takes the event header (and what has arrived of the payload) out of {@code body}.
     *
     * @param payloadLength already validated: it is part of a frame within the receiver's limit
     */
    static DirectPayload start(ByteBuf body, int eventHeaderLength, int payloadLength) {
        ByteBuffer header = ByteBuffer.allocate(eventHeaderLength);
        body.readBytes(header);
        header.flip();
        DirectPayload p = new DirectPayload(header, payloadLength);
        p.fillFrom(body);
        return p;
    }

    /** Moves whatever payload bytes {@code in} holds into the array. */
    void fillFrom(ByteBuf in) {
        int n = Math.min(in.readableBytes(), length - filled);
        while (n > 0) {
            growIfFull();
            int take = Math.min(n, payload.length - filled);
            in.readBytes(payload, filled, take);
            filled += take;
            n -= take;
        }
    }

    /** Doubles the array (up to the declared length) once what arrived fills it. */
    private void growIfFull() {
        if (filled == payload.length && filled < length) {
            payload = Arrays.copyOf(payload, (int) Math.min(length, 2L * payload.length));
        }
    }

    boolean isComplete() {
        return filled == length;
    }

    /** Bytes allocated for the payload so far: at most twice what has arrived, or {@link #FIRST_STEP_BYTES}. */
    int capacity() {
        return payload.length;
    }

    int filled() {
        return filled;
    }

    int length() {
        return length;
    }

    /** An empty buffer over the next unfilled bytes of the array, for the next read. */
    ByteBuf readTarget() {
        growIfFull();
        int n = Math.min(payload.length - filled, MAX_READ_BYTES);
        readTarget = Unpooled.wrappedBuffer(payload, filled, n).clear();
        return readTarget;
    }

    /** True when {@code in} is the buffer of {@link #readTarget()}; accounts for what was read into it. */
    boolean tookRead(ByteBuf in) {
        if (in != readTarget || readTarget == null) {
            return false;
        }
        readTarget = null;
        filled += in.readableBytes();
        return true;
    }

    /** The frame body: event header, then the payload array as a whole. */
    FrameBody.Event body() {
        return new FrameBody.Event(eventHeader, ByteBuffer.wrap(payload));
    }
}

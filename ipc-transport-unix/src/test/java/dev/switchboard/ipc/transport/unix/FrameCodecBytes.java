package dev.switchboard.ipc.transport.unix;

import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.FrameCodec;
import java.nio.ByteBuffer;

/** Encoded frames as byte arrays, for raw writers. */
final class FrameCodecBytes {

    private FrameCodecBytes() {}

    /** A MESSAGE frame whose 4-byte payload is {@code value}, declaring no handles. */
    static byte[] message(int value) {
        FrameBody body = ChannelPair.message(value);
        ByteBuffer b = ByteBuffer.allocate(FrameCodec.encodedLength(body));
        FrameCodec.encode(body, 0, b);
        return b.array();
    }
}

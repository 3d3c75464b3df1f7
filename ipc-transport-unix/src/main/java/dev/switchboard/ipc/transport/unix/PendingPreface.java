package dev.switchboard.ipc.transport.unix;

import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.FrameCodec;
import dev.switchboard.ipc.wire.FrameHeader;
import dev.switchboard.ipc.wire.FrameType;
import dev.switchboard.ipc.wire.Id128;
import dev.switchboard.ipc.wire.Limits;
import dev.switchboard.ipc.wire.ProtocolException;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.newsclub.net.unix.AFUNIXSocketChannel;

/**
 * A connection to a named channel that passed the uid check and is delivering its CONNECT
 * preface, read without blocking as bytes arrive. Never reads past the preface: what follows it
 * belongs to whoever gets the connection.
 */
final class PendingPreface {

    /** The outcome once decided: verified, or refused with a reason. */
    record Verdict(boolean verified, String refusal) {
        static final Verdict VERIFIED = new Verdict(true, null);

        static Verdict refused(String reason) {
            return new Verdict(false, reason);
        }
    }

    final AFUNIXSocketChannel connection; // owned by the named server's accept thread
    final long deadlineNanos;
    private final ByteBuffer bytes = ByteBuffer.allocate(UnixNamedChannels.MAX_PREFACE_BYTES);
    private FrameHeader header;

    PendingPreface(AFUNIXSocketChannel connection, long deadlineNanos) {
        this.connection = connection;
        this.deadlineNanos = deadlineNanos;
        bytes.limit(FrameHeader.SIZE);
    }

    /** Reads what has arrived; null while the preface is still incomplete. */
    Verdict read(Id128 token) {
        try {
            while (bytes.hasRemaining()) {
                int n = connection.read(bytes);
                if (n < 0) {
                    return Verdict.refused("peer closed the connection before completing the preface");
                }
                if (n == 0) {
                    return null;
                }
                if (!bytes.hasRemaining() && header == null) {
                    header = FrameHeader.peek(bytes.duplicate().flip(), Limits.DEFAULT);
                    if (header.type() != FrameType.CONNECT) {
                        return Verdict.refused("first frame is " + header.type() + ", expected CONNECT");
                    }
                    if (header.frameLength() > UnixNamedChannels.MAX_PREFACE_BYTES) {
                        return Verdict.refused("CONNECT frame declares " + header.frameLength() + " bytes, a preface has at most "
                                + UnixNamedChannels.MAX_PREFACE_BYTES);
                    }
                    bytes.limit(header.paddedLength());
                }
            }
            FrameBody body = FrameCodec.decode(header, ByteBuffer.wrap(bytes.array(), FrameHeader.SIZE, header.bodyLength()));
            if (!(body instanceof FrameBody.Connect connect) || !UnixNamedChannels.sameToken(connect.token(), token)) {
                return Verdict.refused("CONNECT token does not match");
            }
            return Verdict.VERIFIED;
        } catch (ProtocolException e) {
            return Verdict.refused("malformed preface: " + e.getMessage());
        } catch (IOException e) {
            return Verdict.refused("reading the preface failed: " + e);
        }
    }
}

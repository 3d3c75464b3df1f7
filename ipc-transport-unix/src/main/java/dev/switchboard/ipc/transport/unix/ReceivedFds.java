package dev.switchboard.ipc.transport.unix;

import dev.switchboard.ipc.spi.HandleOps;
import dev.switchboard.ipc.wire.FrameHeader;
import dev.switchboard.ipc.wire.ProtocolException;
import java.util.ArrayDeque;

/**
 * The fds a channel has received and not yet handed to a frame, in arrival order, each batch
 * tagged with the stream bytes of the read that delivered it. Owns every fd it holds.
 *
 * <h2>Matching rule (docs/protocol.md, "Handles on a stream")</h2>
 *
 * <p>What the kernel guarantees on an AF_UNIX SOCK_STREAM socket: the fds of one sendmsg arrive
 * with the read that contains that sendmsg's first byte, and one read never returns the fds of
 * two sendmsgs. A read may still contain bytes of earlier sendmsgs that carried no fds. What the
 * sender guarantees: all handles of one frame ride on a sendmsg that starts with that frame's
 * first byte, and no sendmsg carries handles of two frames.
 *
 * <p>Hence the reader's rule, applied strictly:
 *
 * <ol>
 *   <li>A frame that starts at stream offset S and declares N &gt; 0 handles takes the oldest
 *       unclaimed batch. That batch must exist, its read must contain S, and it must hold exactly
 *       N fds. Otherwise: "frame at offset S declares N handles but M arrived with it".
 *   <li>A frame that declares 0 handles takes nothing; a batch whose read contains S may still
 *       belong to a later frame that starts in the same read. But the kernel ends a read right
 *       after the data that carried fds, so the frame those fds belong to is the last one that
 *       starts in that read: a frame declaring 0 handles that starts in the batch's read and
 *       reaches its end is "fds without a frame".
 *   <li>A batch whose read ends at or before the start of the next frame that could still claim
 *       it can never be claimed: "fds without a frame". Each batch needs a frame of its own, and
 *       frames are at least a header long, so this is checked for every batch held, not only
 *       the oldest.
 * </ol>
 *
 * Any violation closes the channel with PROTOCOL_ERROR, and every fd held here is closed.
 */
final class ReceivedFds {

    private record Batch(int[] fds, long start, long end) {
        boolean contains(long offset) {
            return start <= offset && offset < end;
        }
    }

    private final ArrayDeque<Batch> batches = new ArrayDeque<>();
    private final HandleOps ops;

    ReceivedFds(HandleOps ops) {
        this.ops = ops;
    }

    /**
     * Records the fds of one read that returned stream bytes [start, end). Takes ownership of
     * {@code fds}.
     */
    void add(int[] fds, long start, long end) {
        if (fds.length > 0) {
            batches.addLast(new Batch(fds, start, end));
        }
    }

    boolean isEmpty() {
        return batches.isEmpty();
    }

    /**
     * The fds of the frame starting at {@code frameStart} that declares {@code declared} handles.
     * Ownership of the returned fds moves to the caller; on a violation nothing moves and the
     * fds stay here to be closed by {@link #closeAll()}.
     */
    int[] claim(long frameStart, int declared, int paddedLength) throws ProtocolException {
        checkOrphans(frameStart);
        Batch oldest = batches.peekFirst();
        if (declared == 0) {
            if (oldest != null && oldest.contains(frameStart) && frameStart + paddedLength >= oldest.end) {
                throw new ProtocolException("fds without a frame: " + count(oldest.fds.length, "fd")
                        + " arrived with the frame at offset " + frameStart + ", which declares 0 handles");
            }
            return NO_FDS;
        }
        int arrived = oldest != null && oldest.contains(frameStart) ? oldest.fds.length : 0;
        if (arrived != declared) {
            throw new ProtocolException("frame at offset " + frameStart + " declares " + count(declared, "handle")
                    + " but " + arrived + " arrived with it");
        }
        batches.removeFirst();
        return oldest.fds;
    }

    /**
     * Fails when some batch can no longer be claimed. The oldest batch needs a frame that starts
     * at or after {@code nextFrameStart} and inside its read; each later batch needs a frame of its
     * own, which starts at least one header after the one before. So a batch whose read ended
     * before the earliest start left for it is never claimed: a peer that puts fds on every byte
     * of a header is refused at the second batch instead of pinning 60 fds per byte.
     */
    void checkOrphans(long nextFrameStart) throws ProtocolException {
        long earliest = nextFrameStart;
        for (Batch b : batches) {
            if (b.end <= earliest) {
                throw new ProtocolException("fds without a frame: " + count(b.fds.length, "fd")
                        + " arrived with stream bytes [" + b.start + ", " + b.end
                        + "), where no frame that declares them starts");
            }
            earliest = Math.max(earliest, b.start) + FrameHeader.SIZE;
        }
    }

    /** Closes every fd still held. */
    void closeAll() {
        Batch b;
        while ((b = batches.pollFirst()) != null) {
            for (int fd : b.fds) {
                ops.close(fd);
            }
        }
    }

    static final int[] NO_FDS = new int[0];

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}

package dev.switchboard.ipc.transport.unix;

import dev.switchboard.ipc.spi.HandleOps;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.FrameCodec;
import dev.switchboard.ipc.wire.FrameHeader;
import dev.switchboard.ipc.wire.Limits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;

/**
 * One encoded frame waiting in a channel's outbound queue, with the fds that must ride on its
 * first byte. A large user payload stays in the sender's array (see {@link #TAIL_MIN_BYTES}) and is
 * written after the head through a staging buffer, so one frame may take several writes. Owns its buffer and, until the first byte is written, its fds: releasing the last
 * reference (Netty does that when the frame is written, or discarded because the channel closed)
 * closes whatever is still owned.
 *
 * <p>It is a {@link FileRegion} only because Netty's byte channels accept nothing but ByteBuf and
 * FileRegion messages ({@code filterOutboundMessage} is final). Its bytes are written by
 * {@link FdSocketChannel#doWrite}, never through {@link #transferTo}.
 */
final class OutboundFrame extends AbstractReferenceCounted implements FileRegion {

    /**
     * A user payload at least this large is written from the sender's own array instead of being
     * copied into a pooled direct buffer first: the copy into the socket happens anyway, and a
     * pooled copy of a megabyte costs a fresh (zeroed) pool chunk whenever the pool has just freed
     * one, and holds direct memory for as long as the frame waits.
     */
    static final int TAIL_MIN_BYTES = 64 * 1024;

    /**
     * The tail goes out through a direct staging buffer of this size, filled from the array only
     * once what it holds is written. (Handing junixsocket the heap array would copy up to a
     * megabyte into its own direct buffer on every write call, and a non-blocking send into a
     * nearly full socket takes a fraction of that: the rest of the copy would be wasted.)
     */
    static final int STAGING_BYTES = 256 * 1024;

    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(FrameHeader.ALIGNMENT); // never written to: only duplicates are handed out

    /** Frame header and event header; the whole frame, padding included, when there is no tail. */
    private final ByteBuf head;
    /** The user payload, read from the caller's array (Message: "do not change it after writing"), or null. */
    private final ByteBuffer tail;
    /** Allocates {@link #staged}. */
    private final ByteBufAllocator alloc;
    /** The next bytes of the tail, copied for writing; null while none are staged. Owned by this frame. */
    private ByteBuf staged;
    /** Zero bytes still to write after the tail. */
    private int padding;
    private final int length;
    private final HandleOps ops;
    private final UnixFrameChannel owner;
    /** Owned until the first byte is written; null afterwards or when there are none. */
    private int[] fds;

    private OutboundFrame(ByteBufAllocator alloc, ByteBuf head, ByteBuffer tail, int padding, int[] fds,
                          HandleOps ops, UnixFrameChannel owner) {
        this.alloc = alloc;
        this.head = head;
        this.tail = tail;
        this.padding = padding;
        this.length = head.readableBytes() + (tail == null ? 0 : tail.remaining()) + padding;
        this.fds = fds.length == 0 ? null : fds;
        this.ops = ops;
        this.owner = owner;
    }

    /**
     * Encodes {@code body} into a pooled direct buffer. Takes ownership of {@code handles}: when
     * this throws, they have been closed.
     *
     * @throws IllegalArgumentException for a frame the limits forbid or a handle that is not an open fd
     */
    static OutboundFrame encode(ByteBufAllocator alloc, FrameBody body, long[] handles, Limits limits,
                                HandleOps ops, UnixFrameChannel owner) {
        int[] fds = new int[handles.length];
        long[] toCloseOnFailure = handles.clone();
        ByteBuf buf = null;
        try {
            if (handles.length > limits.maxHandlesPerFrame()) {
                throw new IllegalArgumentException(handles.length + " handles on one frame; the limit is " + limits.maxHandlesPerFrame());
            }
            for (int i = 0; i < handles.length; i++) {
                fds[i] = UnixHandleOps.toFd(handles[i]);
                for (int j = 0; j < i; j++) {
                    if (fds[j] == fds[i]) {
                        // Each handle is closed once after sending; a repeated number would be closed twice.
                        throw new IllegalArgumentException("handle " + fds[i] + " appears twice on one frame");
                    }
                }
                if (!isOpen(fds[i])) {
                    // Closing a number that is not open could close whatever opens it next.
                    toCloseOnFailure[i] = -1;
                    throw new IllegalArgumentException("handle " + fds[i] + " is not an open file descriptor");
                }
            }
            long frameLength = (long) FrameHeader.SIZE + body.bodyLength();
            if (frameLength > limits.maxFrameBytes()) {
                throw new IllegalArgumentException("frame of " + frameLength + " bytes exceeds the limit of " + limits.maxFrameBytes());
            }
            OutboundFrame frame;
            if (body instanceof FrameBody.Event event && event.tail().remaining() >= TAIL_MIN_BYTES && event.tail().hasArray()) {
                int headLength = FrameHeader.SIZE + event.bytes().remaining();
                buf = alloc.directBuffer(headLength, headLength);
                ByteBuffer out = buf.nioBuffer(0, headLength).order(ByteOrder.LITTLE_ENDIAN);
                new FrameHeader(body.type(), handles.length, (int) frameLength).writeTo(out);
                out.put(event.bytes().duplicate());
                buf.writerIndex(headLength);
                int padding = FrameHeader.padded((int) frameLength) - (int) frameLength;
                frame = new OutboundFrame(alloc, buf, event.tail().duplicate(), padding, fds, ops, owner);
            } else {
                int encoded = FrameCodec.encodedLength(body);
                buf = alloc.directBuffer(encoded, encoded);
                // One copy of the payload: straight from the caller's buffer into the pooled buffer.
                FrameCodec.encode(body, handles.length, buf.nioBuffer(0, encoded));
                buf.writerIndex(encoded);
                frame = new OutboundFrame(alloc, buf, null, 0, fds, ops, owner);
            }
            buf = null;
            return frame; // the fds now belong to the frame
        } catch (RuntimeException e) {
            if (buf != null) {
                buf.release();
            }
            closeDistinct(toCloseOnFailure, ops); // ours since send() was called: nobody else will close them
            throw e;
        }
    }

    /** Closes each handle once, skipping repeats and values that are no fd. */
    static void closeDistinct(long[] handles, HandleOps ops) {
        for (int i = 0; i < handles.length; i++) {
            long h = handles[i];
            boolean repeated = false;
            for (int j = 0; j < i; j++) {
                repeated |= handles[j] == h;
            }
            if (!repeated && h >= 0 && h <= Integer.MAX_VALUE) {
                ops.close(h);
            }
        }
    }

    private static boolean isOpen(int fd) {
        return LibC.fcntl(fd, LibC.F_GETFD) >= 0;
    }

    int length() {
        return length;
    }

    int remaining() {
        return head.readableBytes() + stagedBytes() + (tail == null ? 0 : tail.remaining()) + padding;
    }

    private int stagedBytes() {
        return staged == null ? 0 : staged.readableBytes();
    }

    /** True while the fds have not gone out; the next write must start at this frame's first byte. */
    boolean hasUnsentFds() {
        return fds != null;
    }

    int unsentFdCount() {
        return fds == null ? 0 : fds.length;
    }

    /** The fds to attach to the write of the first byte, while {@link #hasUnsentFds()}. */
    int[] fds() {
        return fds;
    }

    /**
     * The next unwritten bytes, as a view: the rest of the head, else the staged piece of the tail
     * (staging the next one when it is used up), else the padding. Writing from it does not move
     * this frame's position; {@link #advance} does. Only the writer (holding the write lock) calls this.
     */
    ByteBuffer unwritten() {
        if (head.isReadable()) {
            return head.nioBuffer(head.readerIndex(), head.readableBytes());
        }
        if (stagedBytes() == 0 && tail != null && tail.hasRemaining()) {
            stageNextPiece();
        }
        if (stagedBytes() > 0) {
            return staged.nioBuffer(staged.readerIndex(), staged.readableBytes());
        }
        return ZEROS.duplicate().limit(padding);
    }

    private void stageNextPiece() {
        if (staged == null) {
            staged = alloc.directBuffer(STAGING_BYTES, STAGING_BYTES);
        }
        staged.clear();
        int n = Math.min(tail.remaining(), STAGING_BYTES);
        staged.writeBytes(tail.array(), tail.arrayOffset() + tail.position(), n);
        tail.position(tail.position() + n);
    }

    /** Appends the unwritten bytes at {@code out}'s position; out must have room for them. */
    void copyUnwrittenTo(ByteBuffer out) {
        int limit = out.limit();
        // getBytes fills the destination up to its limit, so the limit marks where the head ends.
        out.limit(out.position() + head.readableBytes());
        head.getBytes(head.readerIndex(), out);
        out.limit(out.position() + stagedBytes());
        if (staged != null) {
            staged.getBytes(staged.readerIndex(), out);
        }
        out.limit(limit);
        if (tail != null) {
            out.put(tail.duplicate());
        }
        for (int i = 0; i < padding; i++) {
            out.put((byte) 0);
        }
    }

    void advance(int written) {
        int left = written;
        int n = Math.min(left, head.readableBytes());
        head.skipBytes(n);
        left -= n;
        if (left > 0 && staged != null) {
            n = Math.min(left, staged.readableBytes());
            staged.skipBytes(n);
            left -= n;
        }
        if (left > 0 && tail != null) {
            n = Math.min(left, tail.remaining());
            tail.position(tail.position() + n);
            left -= n;
        }
        if (left > padding) {
            throw new IllegalStateException("advanced " + written + " bytes past the end of the frame");
        }
        padding -= left;
        if (staged != null && !staged.isReadable() && !tail.hasRemaining()) {
            releaseStaging(); // the tail is out: no reason to hold the staging buffer until the padding goes
        }
    }

    private void releaseStaging() {
        ByteBuf s = staged;
        staged = null;
        if (s != null) {
            s.release();
        }
    }

    /**
     * The write that carried the first byte carried the fds too: the kernel now holds in-flight
     * references of its own, so our copies are closed here.
     */
    void fdsSent() {
        int[] sent = fds;
        fds = null;
        for (int fd : sent) {
            ops.close(fd);
        }
        owner.handlesGone(sent.length);
    }

    @Override
    protected void deallocate() {
        int unsent = remaining();
        head.release();
        releaseStaging();
        int[] owned = fds;
        fds = null;
        if (owned != null) {
            // Never written (the channel closed first): the fds are still ours to close.
            for (int fd : owned) {
                ops.close(fd);
            }
            owner.handlesGone(owned.length);
        }
        owner.discarded(unsent);
    }

    // FileRegion: position/count describe the frame so Netty's progress bookkeeping stays sane.

    @Override
    public long position() {
        return 0;
    }

    @Override
    @Deprecated
    public long transfered() {
        return transferred();
    }

    @Override
    public long transferred() {
        return length - remaining();
    }

    @Override
    public long count() {
        return length;
    }

    @Override
    public long transferTo(WritableByteChannel target, long position) {
        throw new UnsupportedOperationException("frames are written by FdSocketChannel.doWrite, which attaches their fds");
    }

    @Override
    public OutboundFrame retain() {
        super.retain();
        return this;
    }

    @Override
    public OutboundFrame retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public OutboundFrame touch() {
        return this;
    }

    @Override
    public OutboundFrame touch(Object hint) {
        return this;
    }
}

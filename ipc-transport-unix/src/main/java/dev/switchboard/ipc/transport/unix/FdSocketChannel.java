package dev.switchboard.ipc.transport.unix;

import dev.switchboard.ipc.spi.HandleOps;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.FastThreadLocal;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.util.concurrent.locks.ReentrantLock;
import java.nio.ByteBuffer;
import org.newsclub.net.unix.AFUNIXSocketChannel;

/**
 * Netty's NIO socket channel over a junixsocket AF_UNIX channel, with the fd handling Netty knows
 * nothing about: takes the fds each read delivers, and attaches each frame's fds to the write that
 * carries the frame's first byte. junixsocket's channel serves only the selector: every read and
 * write is a recvmsg or sendmsg of {@link SocketIo} on the fd. Runs on its event loop thread
 * only, except for {@link #writeDirect}.
 */
final class FdSocketChannel extends NioSocketChannel {

    /** Frames smaller than this are copied together into one write; larger ones go out from their own buffer. */
    private static final int COALESCE_BELOW = 32 * 1024;
    private static final int SCRATCH_BYTES = 64 * 1024;
    /** As large as one read into a payload array asks for ({@link DirectPayload}). */
    private static final int STAGING_BYTES = DirectPayload.MAX_READ_BYTES;

    /**
     * One coalescing buffer per I/O thread, shared by that thread's channels: a write finishes
     * before the thread touches another channel.
     */
    private static final FastThreadLocal<ByteBuffer> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected ByteBuffer initialValue() {
            return ByteBuffer.allocateDirect(SCRATCH_BYTES);
        }
    };

    /** A read into a heap array lands here first; one per I/O thread. */
    private static final FastThreadLocal<ByteBuffer> STAGING = new FastThreadLocal<>() {
        @Override
        protected ByteBuffer initialValue() {
            return ByteBuffer.allocateDirect(STAGING_BYTES);
        }
    };

    /** Kept because Netty's javaChannel() is protected and typed as a plain SocketChannel. */
    private final AFUNIXSocketChannel socket;
    /** The socket's fd: every read and write is a syscall of ours on it ({@link SocketIo}). */
    private final int fd;
    private final UnixFrameChannel owner;
    private final HandleOps ops;
    /** Descriptors and flags of the last receive; I/O thread only. */
    private final SocketIo.Control control = new SocketIo.Control();

    /** Stream offset of the next byte to read. */
    private long bytesRead;
    /** Writes that carried fds and returned 0 (socket buffer full), so the fds had to be re-armed. */
    private volatile long zeroLengthFdWrites;

    FdSocketChannel(AFUNIXSocketChannel socket, int fd, UnixFrameChannel owner, HandleOps ops) {
        super(socket);
        this.socket = socket;
        this.fd = fd;
        this.owner = owner;
        this.ops = ops;
        config().setRecvByteBufAllocator(new FrameRecvAllocator(config().getRecvByteBufAllocator()));
    }

    /** Stream offset of the next byte to read. I/O thread only. */
    long bytesRead() {
        return bytesRead;
    }

    long zeroLengthFdWrites() {
        return zeroLengthFdWrites;
    }

    // ---------------------------------------------------------------- reading

    /**
     * One recvmsg, as Netty's read loop calls it; the fds that came with it are taken at once,
     * tagged with the stream bytes the read returned. Netty hands the bytes to the pipeline right
     * after this returns, so the fds are recorded before the bytes they belong to are decoded.
     *
     * <p>ECONNRESET is how the kernel reports a peer that closed with bytes of ours unread; it comes
     * only after every byte the peer sent has been read, so it is an end of stream like any other.
     */
    @Override
    protected int doReadBytes(ByteBuf buf) throws Exception {
        if (!isOpen()) {
            return -1;
        }
        RecvByteBufAllocator.Handle handle = unsafe().recvBufAllocHandle();
        int want = buf.writableBytes();
        handle.attemptedBytesRead(want);
        long start = bytesRead;
        int n;
        try {
            n = receiveInto(buf, want);
        } catch (SocketErrno e) {
            adoptReceivedFds(start, start); // nothing should come with a failed read, but whatever did is closed
            if (e.errno() == SocketErrno.ECONNRESET) {
                owner.endOfStream(true);
                return -1;
            }
            throw e;
        }
        if (n > 0) {
            bytesRead += n;
        }
        if (adoptReceivedFds(start, bytesRead) && n > 0) {
            // The kernel ends a read at the data that carried fds, however much more is queued:
            // report the read as full so that Netty's read loop goes on instead of polling first.
            handle.attemptedBytesRead(n);
        }
        if (n < 0) {
            owner.endOfStream(false);
        }
        return n;
    }

    /** One recvmsg into {@code buf}'s writable bytes: -1 at end of stream, 0 when nothing is there. */
    private int receiveInto(ByteBuf buf, int want) throws SocketErrno {
        if (buf.hasMemoryAddress()) {
            int n = SocketIo.receive(fd, buf.memoryAddress() + buf.writerIndex(), want, control);
            return advance(buf, n);
        }
        if (buf.isDirect() && buf.nioBufferCount() == 1) {
            ByteBuffer target = buf.internalNioBuffer(buf.writerIndex(), want);
            long address = Pointer.nativeValue(Native.getDirectBufferPointer(target)) + target.position();
            return advance(buf, SocketIo.receive(fd, address, want, control));
        }
        // A heap buffer (a payload read straight into its array): through this thread's staging buffer.
        ByteBuffer staging = STAGING.get();
        int n = SocketIo.receive(fd, Pointer.nativeValue(Native.getDirectBufferPointer(staging)), Math.min(want, staging.capacity()), control);
        if (n > 0) {
            buf.writeBytes(staging.duplicate().position(0).limit(n));
            return n;
        }
        return n == 0 ? -1 : 0;
    }

    private static int advance(ByteBuf buf, int n) {
        if (n > 0) {
            buf.writerIndex(buf.writerIndex() + n);
            return n;
        }
        return n == 0 ? -1 : 0;
    }

    /**
     * Hands the fds of the last receive to the owner. Every fd the kernel installed is either
     * handed on or closed here: a batch that breaks a rule of docs/protocol.md §3 (more fds than
     * a frame may carry, truncated control data, control data that is not SCM_RIGHTS) fails the
     * read with a protocol error after closing all of them.
     */
    private boolean adoptReceivedFds(long start, long end) throws IOException {
        int[] fds = control.fds;
        String rejected = null;
        if (control.truncated) {
            rejected = "the peer attached more fds to one write than the kernel passes (control data truncated, "
                    + fds.length + " fds installed)";
        } else if (control.foreign > 0) {
            rejected = "the peer sent control data other than SCM_RIGHTS";
        } else if (fds.length > owner.maxHandlesPerRead()) {
            rejected = fds.length + " fds arrived with one write (stream bytes [" + start + ", " + end
                    + ")); at most " + owner.maxHandlesPerRead() + " may come with a frame";
        }
        control.clear();
        if (rejected != null) {
            for (int f : fds) {
                ops.close(f);
            }
            owner.readRejected(rejected);
            throw new FdBatchRejected(rejected);
        }
        if (fds.length == 0) {
            return false;
        }
        owner.fdsArrived(fds, start, end); // ownership moves to the channel's ReceivedFds
        return true;
    }

    /** A read whose descriptors broke the protocol; the reason is already recorded with the owner. */
    static final class FdBatchRejected extends IOException {
        private static final long serialVersionUID = 1L;

        FdBatchRejected(String detail) {
            super(detail);
        }
    }

    /**
     * Netty's receive sizing, except that a large payload in progress is read straight into its
     * own array ({@link UnixFrameChannel#directReadTarget}).
     */
    private final class FrameRecvAllocator implements RecvByteBufAllocator {
        private final RecvByteBufAllocator sizing;

        FrameRecvAllocator(RecvByteBufAllocator sizing) {
            this.sizing = sizing;
        }

        @Override
        public Handle newHandle() {
            return new DelegatingHandle(sizing.newHandle()) {
                @Override
                public ByteBuf allocate(ByteBufAllocator alloc) {
                    ByteBuf target = owner.directReadTarget();
                    return target != null ? target : super.allocate(alloc);
                }
            };
        }
    }

    private static void closeThroughStream(FileDescriptor fd) {
        try {
            new FileInputStream(fd).close();
        } catch (IOException ignored) {
            // close(2) errors other than EBADF leave the fd closed on Linux and macOS
        }
    }

    // ---------------------------------------------------------------- writing

    /**
     * Held by whoever writes to the socket: the I/O thread in {@link #doWrite}, or a sender on its
     * own thread in {@link #writeDirect}. The sender writes only when nothing is queued, so frames
     * keep their order either way.
     */
    final ReentrantLock writeLock = new ReentrantLock();

    /**
     * Set once a write found the peer gone (EPIPE, ECONNRESET). Writing stops for good: queued and
     * later frames are released unsent, closing their fds. Reading goes on, because the kernel
     * still holds what the peer sent before it went; end of stream closes the channel.
     */
    private volatile boolean outputShut;

    boolean isOutputShut() {
        return outputShut;
    }

    /**
     * Writes as much of {@code frame} as the socket takes now, from the calling thread, fds on the
     * first byte. The caller holds {@link #writeLock} and has checked that nothing is queued.
     *
     * @return bytes written
     * @throws SocketErrno when the write failed; {@link SocketErrno#isPeerGone()} says whether
     *     the caller should {@link #shutOutput} rather than close
     */
    int writeDirect(OutboundFrame frame) throws SocketErrno {
        int total = 0;
        while (frame.remaining() > 0) {
            int n = frame.hasUnsentFds() ? writeWithFds(frame) : SocketIo.send(fd, frame.unwritten(), null);
            if (n <= 0) {
                break;
            }
            frame.advance(n);
            total += n;
        }
        return total;
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        writeLock.lock();
        try {
            doWriteLocked(in);
        } finally {
            writeLock.unlock();
        }
    }

    private void doWriteLocked(ChannelOutboundBuffer in) throws Exception {
        if (outputShut) {
            discardAll(in);
            return;
        }
        try {
            for (int spins = config().getWriteSpinCount(); spins > 0; spins--) {
                Object msg = in.current();
                if (msg == null) {
                    clearOpWrite();
                    return;
                }
                if (!(msg instanceof OutboundFrame frame)) {
                    in.remove(new UnsupportedOperationException("not a frame: " + msg.getClass().getName()));
                    continue;
                }
                int written = frame.hasUnsentFds() ? writeWithFds(frame) : writeWithoutFds(in, frame);
                if (written == 0) {
                    incompleteWrite(true); // socket buffer full: continue when the selector reports OP_WRITE
                    return;
                }
                consume(in, written);
            }
            if (in.isEmpty()) {
                clearOpWrite();
            } else {
                incompleteWrite(false); // spin budget used up: let the loop's other work run, then continue
            }
        } catch (SocketErrno e) {
            if (!e.isPeerGone()) {
                owner.writeFailed(e);
                throw e; // Netty closes the channel
            }
            shutOutput(e);
            discardAll(in);
        }
    }

    /**
     * The peer is gone for writing: stop writing, keep reading (see {@link #outputShut}). Called
     * with {@link #writeLock} held, by the I/O thread or by a sender writing directly.
     */
    void shutOutput(SocketErrno cause) {
        if (!outputShut) {
            outputShut = true;
            owner.outputShut(cause);
        }
    }

    /** Releases every queued frame unsent (their fds are closed) and stops asking for OP_WRITE. */
    private void discardAll(ChannelOutboundBuffer in) {
        while (in.current() != null) {
            in.remove();
        }
        clearOpWrite();
    }

    /**
     * Writes from the frame's first byte with its fds attached. Only this frame's bytes go on this
     * sendmsg: the reader matches fds to the frame that starts the read they arrive with, so the
     * fds must be on a sendmsg that starts exactly at this frame, and must not share it with
     * another frame's fds.
     */
    private int writeWithFds(OutboundFrame frame) throws SocketErrno {
        int n = SocketIo.send(fd, frame.unwritten(), frame.fds());
        if (n == 0) {
            // Socket buffer full: nothing went, the fds neither; the frame keeps them for the next attempt.
            zeroLengthFdWrites++;
            return 0;
        }
        frame.fdsSent();
        return n;
    }

    /**
     * Writes fd-less bytes: a large frame straight from its buffer, small ones copied together into
     * one buffer. Stops before the next frame that still has fds, which must start a write of its own.
     */
    private int writeWithoutFds(ChannelOutboundBuffer in, OutboundFrame head) throws Exception {
        if (head.remaining() >= COALESCE_BELOW || in.size() == 1) {
            return SocketIo.send(fd, head.unwritten(), null);
        }
        ByteBuffer scratch = SCRATCH.get();
        scratch.clear();
        in.forEachFlushedMessage(msg -> {
            if (!(msg instanceof OutboundFrame f) || f.hasUnsentFds() || f.remaining() > scratch.remaining()) {
                return false;
            }
            f.copyUnwrittenTo(scratch);
            return true;
        });
        scratch.flip();
        return SocketIo.send(fd, scratch, null);
    }

    /** Advances the queue by {@code written} bytes, removing (and so releasing) every finished frame. */
    private void consume(ChannelOutboundBuffer in, int written) {
        int left = written;
        while (left > 0) {
            OutboundFrame f = (OutboundFrame) in.current();
            int take = Math.min(left, f.remaining());
            f.advance(take);
            left -= take;
            if (f.remaining() == 0) {
                in.remove();
            }
        }
        owner.written(written);
    }

    // ---------------------------------------------------------------- hang-up

    @Override
    protected AbstractNioUnsafe newUnsafe() {
        return new DrainOnHangupUnsafe();
    }

    /**
     * Netty's byte-channel unsafe, except that a hang-up drains the socket before closing.
     *
     * <p>junixsocket's selector reports a key invalid as soon as poll() returns POLLHUP or POLLERR,
     * and Netty closes a channel with an invalid key without reading from it. POLLHUP is what a
     * peer that writes its last frames and exits produces, so those frames would be lost. Netty
     * signals the invalid key through {@code NioIoHandle.close()}, which is overridden here to
     * read until end of stream (or an error) first. (NioSocketChannel's own unsafe only adds
     * SO_LINGER handling, which AF_UNIX does not have.)
     */
    private final class DrainOnHangupUnsafe extends NioByteUnsafe {
        @Override
        public void close() {
            // Each read either makes progress, reaches end of stream (Netty then closes the
            // channel), or fails (Netty closes it too): stop as soon as one does not progress.
            // This reads even while reads are paused: after a hang-up there is no sender left to
            // push back on, and what is not read now is lost.
            while (isOpen()) {
                long before = bytesRead;
                read();
                if (bytesRead == before) {
                    break;
                }
            }
            super.close();
        }
    }

    // ---------------------------------------------------------------- closing

    /**
     * junixsocket's close shuts the socket down and closes received fds it still holds, but it
     * does not close the socket's own fd: FileDescriptorCast hands out channels that leave the fd
     * to its owner. This channel owns it since {@link UnixFrameChannel#open}, so it closes it here,
     * through the FileDescriptor, which marks the descriptor invalid for junixsocket too.
     */
    @Override
    protected void doClose() throws Exception {
        try {
            super.doClose();
        } finally {
            closeThroughStream(socket.getFileDescriptor());
        }
    }
}

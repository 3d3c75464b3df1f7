package dev.switchboard.ipc.transport.unix;

import dev.switchboard.ipc.spi.HandleOps;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.util.concurrent.locks.ReentrantLock;
import java.nio.ByteBuffer;
import org.newsclub.net.unix.AFUNIXSocketChannel;

/**
 * Netty's NIO socket channel over a junixsocket AF_UNIX channel, with the fd handling Netty knows
 * nothing about: takes the fds each read delivers, and attaches each frame's fds to the write that
 * carries the frame's first byte. Runs on its event loop thread only.
 */
final class FdSocketChannel extends NioSocketChannel {

    /** Frames smaller than this are copied together into one write; larger ones go out from their own buffer. */
    private static final int COALESCE_BELOW = 32 * 1024;
    private static final int SCRATCH_BYTES = 64 * 1024;

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

    /** Kept because Netty's javaChannel() is protected and typed as a plain SocketChannel. */
    private final AFUNIXSocketChannel socket;
    private final UnixFrameChannel owner;
    private final HandleOps ops;

    /** Stream offset of the next byte to read. */
    private long bytesRead;
    /** Writes that carried fds and returned 0 (socket buffer full), so the fds had to be re-armed. */
    private volatile long zeroLengthFdWrites;

    FdSocketChannel(AFUNIXSocketChannel socket, UnixFrameChannel owner, HandleOps ops) {
        super(socket);
        this.socket = socket;
        this.owner = owner;
        this.ops = ops;
        config().setRecvByteBufAllocator(new FrameRecvAllocator(config().getRecvByteBufAllocator()));
    }

    long zeroLengthFdWrites() {
        return zeroLengthFdWrites;
    }

    // ---------------------------------------------------------------- reading

    /**
     * One read(2)-equivalent (one recvmsg), as Netty's read loop calls it; the fds that came with
     * it are taken at once, tagged with the stream bytes the read returned. Netty hands the bytes
     * to the pipeline right after this returns, so the fds are recorded before the bytes they
     * belong to are decoded.
     */
    @Override
    protected int doReadBytes(ByteBuf buf) throws Exception {
        if (!isOpen()) {
            return -1;
        }
        long start = bytesRead;
        int n;
        try {
            n = super.doReadBytes(buf);
        } catch (IOException e) {
            // Nothing should have arrived with a failed read, but whatever did must not stay with junixsocket.
            adoptReceivedFds(start, start);
            throw e;
        }
        if (n > 0) {
            bytesRead += n;
        }
        if (adoptReceivedFds(start, bytesRead) && n > 0) {
            // The kernel ends a read at the data that carried fds, however much more is queued:
            // report the read as full so that Netty's read loop goes on instead of polling first.
            unsafe().recvBufAllocHandle().attemptedBytesRead(n);
        }
        if (n < 0) {
            owner.endOfStream();
        }
        return n;
    }

    /**
     * Takes the fds junixsocket received with the last read and hands them to the owner.
     *
     * <p>junixsocket keeps every received fd in a per-channel table and closes whatever is still in
     * it when the channel closes; the FileDescriptor objects carry a cleanup hook that removes them
     * from that table when they are closed through a stream. So each fd is duplicated with
     * F_DUPFD_CLOEXEC (received fds arrive without FD_CLOEXEC, and would otherwise leak into every
     * process spawned later) and junixsocket's copy is closed through a FileInputStream, which runs
     * the hook. A plain close(2) of the number would leave it in the table, to be closed a second
     * time, after the number has been reused, when the channel closes.
     */
    private boolean adoptReceivedFds(long start, long end) throws IOException {
        FileDescriptor[] received = socket.getReceivedFileDescriptors();
        if (received.length == 0) {
            return false;
        }
        int[] adopted = new int[received.length];
        int count = 0;
        IOException failure = null;
        for (FileDescriptor fd : received) {
            try {
                adopted[count] = (int) ops.duplicate(fd); // the duplicate is ours from here on
                count++;
            } catch (IOException | RuntimeException e) {
                if (failure == null) {
                    failure = new IOException("cannot take ownership of a received fd: " + e.getMessage(), e);
                }
            } finally {
                closeThroughStream(fd); // junixsocket's copy: closed and removed from its table
            }
        }
        if (failure != null) {
            // A batch with a missing fd can never match its frame, so the channel is done for:
            // close what was taken and fail the read.
            for (int i = 0; i < count; i++) {
                ops.close(adopted[i]);
            }
            owner.readFailed(failure.getMessage());
            throw failure;
        }
        owner.fdsArrived(adopted, start, end); // ownership moves to the channel's ReceivedFds
        return true;
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
     * Writes as much of {@code frame} as the socket takes now, from the calling thread, fds on the
     * first byte. The caller holds {@link #writeLock} and has checked that nothing is queued.
     *
     * @return bytes written
     */
    int writeDirect(OutboundFrame frame) throws IOException {
        int total = 0;
        while (frame.remaining() > 0) {
            int n = frame.hasUnsentFds() ? writeWithFds(frame) : socket.write(frame.unwritten());
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
        } catch (IOException e) {
            owner.writeFailed(e);
            throw e;
        }
    }

    /**
     * Writes from the frame's first byte with its fds armed. Only this frame's bytes go on this
     * sendmsg: the reader matches fds to the frame that starts the read they arrive with, so the
     * fds must be on a sendmsg that starts exactly at this frame, and must not share it with
     * another frame's fds.
     */
    private int writeWithFds(OutboundFrame frame) throws IOException {
        socket.setOutboundFileDescriptors(frame.fdObjects());
        int n;
        try {
            n = socket.write(frame.unwritten());
        } catch (IOException e) {
            disarm();
            throw e;
        }
        if (n == 0) {
            // TRAP: junixsocket drops armed fds when a non-blocking write returns 0. The frame keeps
            // them and re-arms on the next attempt; disarm anyway in case a version keeps them, so
            // they cannot ride on some other write.
            zeroLengthFdWrites++;
            disarm();
            return 0;
        }
        frame.fdsSent();
        return n;
    }

    private void disarm() {
        try {
            socket.setOutboundFileDescriptors();
        } catch (IOException ignored) {
            // only fails on a closed channel, where nothing will be written anyway
        }
    }

    /**
     * Writes fd-less bytes: a large frame straight from its buffer, small ones copied together into
     * one buffer (junixsocket's gathering write sends only the first buffer). Stops before the next
     * frame that still has fds, which must start a write of its own.
     */
    private int writeWithoutFds(ChannelOutboundBuffer in, OutboundFrame head) throws Exception {
        if (head.remaining() >= COALESCE_BELOW || in.size() == 1) {
            return socket.write(head.unwritten());
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
        return socket.write(scratch);
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

package dev.switchboard.ipc.transport.unix;

import dev.switchboard.ipc.spi.CloseReason;
import dev.switchboard.ipc.spi.FrameChannel;
import dev.switchboard.ipc.spi.HandleOps;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.FrameCodec;
import dev.switchboard.ipc.wire.FrameHeader;
import dev.switchboard.ipc.wire.FrameType;
import dev.switchboard.ipc.wire.Limits;
import dev.switchboard.ipc.wire.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.VoidChannelPromise;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.FileDescriptorCast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Internal: a {@link FrameChannel} on a connected AF_UNIX stream socket, carrying fds with SCM_RIGHTS. All
 * I/O and every listener call happen on one thread of the shared {@link IoEventLoops} group.
 *
 * <p>Inbound, bytes are cumulated until a whole frame is there, and each frame's fds are matched
 * with the rule documented on {@link ReceivedFds}. Outbound, {@link #send} encodes on the calling
 * thread and queues the frame; {@link FdSocketChannel} writes it and attaches its fds.
 *
 * <p>Semantics worth knowing:
 * <ul>
 *   <li>{@link #close()} discards frames still queued (closing their fds); it does not flush.
 *   <li>{@link #setReadPaused} stops reading from the socket; frames already read are still
 *       delivered, and so is what the peer sent before hanging up (it would be lost otherwise).
 *   <li>{@link #send} throws IllegalArgumentException for a frame the limits forbid, more handles
 *       than allowed, a repeated handle or one that is not an open fd, having closed the handles.
 *       After the channel closed it closes the handles and returns quietly.
 *   <li>Reads and writes are recvmsg and sendmsg calls of this transport ({@link SocketIo}), not
 *       junixsocket's: every fd the kernel installs is accounted for (a read that brings more than
 *       a frame may carry closes them all and fails with PROTOCOL_ERROR), and a write that finds
 *       the peer gone (EPIPE, ECONNRESET) stops writing, releasing what is queued, but reading goes
 *       on: what the peer sent before it went is delivered, then onClosed reports PEER_CLOSED.
 * </ul>
 */
public final class UnixFrameChannel implements FrameChannel {

    /** Above this many queued bytes the channel counts as backed up ... */
    static final long HIGH_WATER_BYTES = 4L << 20;
    /** ... and {@link Listener#onWritable} fires once the backlog drops below this. */
    static final long LOW_WATER_BYTES = 1L << 20;
    /** The same for fds not yet passed to the kernel: each is an open descriptor of this process. */
    static final long HIGH_WATER_HANDLES = 512;
    static final long LOW_WATER_HANDLES = 256;

    /** A cumulation buffer never starts smaller than this when it has to grow. */
    private static final int MIN_CUMULATION_BYTES = 64 * 1024;

    private static final long[] NO_HANDLES = new long[0];
    private static final Logger LOG = LoggerFactory.getLogger(UnixFrameChannel.class);

    private final int fd;
    /** Replaced by {@link #setLimits} when a handshake completes; read at each frame header. */
    private volatile Limits limits;
    private final Listener listener;
    private final HandleOps ops;
    private final FdSocketChannel channel;
    /** Write failures are handled in {@link FdSocketChannel#doWrite}; this promise does not fire them again. */
    private final ChannelPromise silentPromise;

    // ---- any thread
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicLong queuedHandles = new AtomicLong();
    /** Frames accepted by send() and not yet handed to Netty; see send(). */
    private final Queue<OutboundFrame> outbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    private final Runnable flushOutbox = this::flushOutbox;
    private final AtomicBoolean backedUp = new AtomicBoolean();
    /** The first reason recorded wins: a local close() races with what the I/O thread sees. */
    private final AtomicReference<CloseReason> closeReason = new AtomicReference<>();
    /** Set once the channel is closed; send() then closes the handles it is given. */
    private volatile boolean closed;

    // ---- I/O thread only
    private final ReceivedFds receivedFds;
    /** Bytes read and not yet consumed by a delivered frame; null when there are none. */
    private ByteBuf cumulation;
    /** Stream offset of the cumulation's reader index: where the next frame starts. */
    private long frameStart;
    /** Header of the frame in progress (its bytes are not all here yet), or null. */
    private FrameHeader pendingHeader;
    /**
     * The payload of the frame in progress when it is read straight into its own array, or null.
     * Its frame header and event header have then left the cumulation already.
     */
    private DirectPayload direct;
    /** fds claimed by the frame in progress; owned here until it is delivered. */
    private int[] pendingFds = ReceivedFds.NO_FDS;
    /** Inbound processing stopped (protocol or read error); what arrives later is dropped. */
    private boolean failed;
    private boolean delivering;
    private boolean closedPendingDelivery;
    private boolean closeNotified;
    /** Stream offset of the incomplete frame the timer watches, or -1 when every frame read is whole. */
    private long partialFrameStart = -1;
    /** When that frame's first byte was seen (System.nanoTime), or when reading last resumed. */
    private long partialSince;
    /** Fails the channel when a frame stays incomplete for {@link Limits#frameTimeout()}; at most one is pending. */
    private ScheduledFuture<?> frameTimer;

    private UnixFrameChannel(int fd, AFUNIXSocketChannel socket, Limits limits, Listener listener, HandleOps ops) {
        this.fd = fd;
        this.limits = limits;
        this.listener = listener;
        this.ops = ops;
        this.receivedFds = new ReceivedFds(ops);
        this.channel = new FdSocketChannel(socket, fd, this, ops);
        this.silentPromise = new VoidChannelPromise(channel, false);
    }

    /**
     * Starts framed I/O on a connected AF_UNIX stream socket. Takes ownership of {@code fd}, also
     * when this throws. The listener may be called before this returns.
     *
     * @param ops closes the fds the channel owns (received ones not yet delivered, queued outbound ones)
     */
    public static UnixFrameChannel open(long fd, Limits limits, Listener listener, HandleOps ops) throws IOException {
        int n = UnixHandleOps.toFd(fd);
        AFUNIXSocketChannel socket = null;
        UnixFrameChannel result;
        try {
            Objects.requireNonNull(limits, "limits");
            Objects.requireNonNull(listener, "listener");
            Objects.requireNonNull(ops, "ops");
            try {
                socket = FileDescriptorCast.unsafeUsing(n).as(AFUNIXSocketChannel.class);
            } catch (ClassCastException e) {
                throw new IOException("fd " + n + " is not an AF_UNIX stream socket", e);
            }
            socket.configureBlocking(false);
            result = new UnixFrameChannel(n, socket, limits, listener, ops);
            // From here the Netty channel owns the fd and closes it in FdSocketChannel.doClose.
        } catch (IOException | RuntimeException e) {
            if (socket != null) {
                try {
                    // Through the FileDescriptor, so junixsocket's object is marked invalid too.
                    new FileInputStream(socket.getFileDescriptor()).close();
                } catch (IOException ignored) {
                    // the fd is released even when close reports an error
                }
            } else {
                ops.close(n); // never wrapped: still a bare fd, and ours to close
            }
            throw e;
        }
        try {
            result.start();
        } catch (RuntimeException e) {
            // Not registered, so no close future will fire: close the fd (through doClose) here.
            result.channel.unsafe().closeForcibly();
            throw e;
        }
        return result;
    }

    private void start() {
        // Netty 4.2's default (adaptive) allocator does not pool buffers of a megabyte and more: a
        // large frame would cost a fresh, zeroed direct buffer on both sides. The pooled one keeps
        // them in 4 MiB chunks (larger frames still go unpooled).
        channel.config().setAllocator(PooledByteBufAllocator.DEFAULT);
        channel.pipeline().addLast("switchboard-frames", new Inbound());
        // register() picks the loop synchronously, so send() and close() work as soon as this returns;
        // their tasks queue behind the registration.
        IoEventLoops.group().next().register(channel).addListener(f -> {
            if (!f.isSuccess()) {
                recordReason(CloseReason.Kind.IO_ERROR, "cannot register with the I/O thread: " + f.cause());
            }
        });
        // The close future rather than channelInactive: Netty fires channelInactive only for a
        // channel that was still active when closed. Run as a task so that Netty has released the
        // queued frames (and closed their fds) by then.
        channel.closeFuture().addListener(f -> channel.eventLoop().execute(this::onInactive));
    }

    // =================================================================== FrameChannel

    @Override
    public void send(FrameBody body, long[] handles) {
        long[] hs = handles == null ? NO_HANDLES : handles;
        if (body == null || closed) {
            // Ownership of the handles came with the call: nobody else will close them.
            OutboundFrame.closeDistinct(hs, ops);
            if (body == null) {
                throw new NullPointerException("body");
            }
            return;
        }
        OutboundFrame frame = OutboundFrame.encode(channel.alloc(), body, hs, limits, ops, this);
        // counted before any write, so that handlesGone never runs ahead of it
        long handlesQueued = queuedHandles.addAndGet(frame.unsentFdCount());
        if (tryWriteDirect(frame)) {
            return;
        }
        if ((queuedBytes.addAndGet(frame.length()) > HIGH_WATER_BYTES || handlesQueued > HIGH_WATER_HANDLES)
                && backedUp.compareAndSet(false, true)) {
            // The I/O thread may have drained below the low-water mark before the flag was set,
            // finding nothing backed up: check again so that onWritable is not lost.
            signalIfDrained();
        }
        // Not channel.writeAndFlush: from a user thread it queues a task, from the I/O thread it
        // writes at once, so a pipe whose writer hops between the two would overtake itself. One
        // queue, always drained on the I/O thread, keeps the order of send() calls.
        outbox.add(frame);
        if (channel.eventLoop().inEventLoop()) {
            flushOutbox();
        } else if (flushScheduled.compareAndSet(false, true)) {
            channel.eventLoop().execute(flushOutbox);
        }
    }

    /**
     * The fast path: with nothing queued, a sender writes on its own thread instead of waking the
     * I/O thread, which saves a thread hand-off per message. Whatever the socket does not take
     * at once is queued (still under the write lock, so no later frame can overtake it) and the
     * I/O thread finishes it.
     *
     * @return true when the frame was written or queued here
     */
    private boolean tryWriteDirect(OutboundFrame frame) {
        if (closed || queuedBytes.get() != 0 || !channel.isRegistered() || channel.eventLoop().inEventLoop() || !channel.isActive()
                || !channel.writeLock.tryLock()) {
            return false;
        }
        try {
            if (queuedBytes.get() != 0 || !outbox.isEmpty()) {
                return false;
            }
            if (channel.isOutputShut()) {
                frame.release(); // the peer is gone for writing: nothing more goes out
                return true;
            }
            try {
                channel.writeDirect(frame);
            } catch (SocketErrno e) {
                frame.release();
                if (e.isPeerGone()) {
                    channel.shutOutput(e); // reading goes on until the peer's end of stream
                } else {
                    writeFailed(e);
                    channel.close();
                }
                return true;
            }
            if (frame.remaining() == 0) {
                frame.release(); // fds are sent, bytes are out: nothing left to own
                return true;
            }
            queuedBytes.addAndGet(frame.remaining());
            outbox.add(frame);
            if (flushScheduled.compareAndSet(false, true)) {
                channel.eventLoop().execute(flushOutbox);
            }
            return true;
        } finally {
            channel.writeLock.unlock();
        }
    }

    /** I/O thread: hands every queued frame to Netty, in order, then flushes once. */
    private void flushOutbox() {
        flushScheduled.set(false);
        boolean any = false;
        OutboundFrame frame;
        while ((frame = outbox.poll()) != null) {
            // Netty owns the frame from here: it writes it, or releases it (closing its fds) when the channel is closed.
            channel.write(frame, silentPromise);
            any = true;
        }
        if (any) {
            channel.flush();
        }
    }

    @Override
    public void setLimits(Limits newLimits) {
        limits = Objects.requireNonNull(newLimits, "limits");
    }

    @Override
    public long queuedBytes() {
        return queuedBytes.get();
    }

    @Override
    public long queuedHandles() {
        return queuedHandles.get();
    }

    @Override
    public void setReadPaused(boolean paused) {
        channel.config().setAutoRead(!paused);
        if (!paused) {
            // A frame left incomplete while this side did not read gets its full timeout from now.
            channel.eventLoop().execute(() -> partialSince = System.nanoTime());
        }
    }

    @Override
    public void close() {
        closeReason.compareAndSet(null, new CloseReason(CloseReason.Kind.LOCAL, "closed by this side"));
        channel.close();
    }

    /**
     * Any thread. The decode loop stops at the next frame because the channel is no longer open,
     * and the first recorded reason is the one onClosed reports.
     */
    @Override
    public void fail(String reason) {
        if (closeReason.compareAndSet(null, new CloseReason(CloseReason.Kind.PROTOCOL_ERROR, reason))) {
            LOG.debug("{}: protocol error above the frame layer: {}", describe(), reason);
        }
        channel.close();
    }

    @Override
    public String describe() {
        return "unix fd " + fd;
    }

    @Override
    public String toString() {
        return describe();
    }

    // =================================================================== for tests

    EventLoop eventLoop() {
        return channel.eventLoop();
    }

    long zeroLengthFdWrites() {
        return channel.zeroLengthFdWrites();
    }

    // =================================================================== called by FdSocketChannel and OutboundFrame

    /** I/O thread: the fds of one read that returned stream bytes [start, end). Takes ownership. */
    void fdsArrived(int[] fds, long start, long end) {
        if (failed || closeNotified) {
            for (int f : fds) {
                ops.close(f); // nobody will ever claim them
            }
            return;
        }
        receivedFds.add(fds, start, end);
    }

    /**
     * I/O thread: the read returned end of stream, or ECONNRESET ({@code reset}: the peer closed
     * with bytes of ours unread, which the kernel reports only after every byte the peer sent).
     * Every byte before it has been decoded.
     */
    void endOfStream(boolean reset) {
        peerGone(reset ? "peer closed the connection (it left data of ours unread)" : "peer closed the connection");
        // Netty closes the channel next (closeOnRead).
    }

    /**
     * The most fds one read may bring: those of one frame at most. The protocol's cap, not this
     * channel's limit: a read can bring the last handshake frame together with the first fds of
     * the frame after it, which the handshake's limit would refuse but the raised one accepts.
     * The limit is checked against each frame's header.
     */
    int maxHandlesPerRead() {
        return Limits.HANDLE_CAP;
    }

    /**
     * The peer is gone (end of stream, or a reset because it exited with our data unread). The
     * kernel hands over everything it sent before either, so a frame cut short here is one the
     * peer never finished: a protocol error, whether it crashed or lied.
     */
    private void peerGone(String how) {
        if (failed) {
            return;
        }
        String truncated = truncation();
        if (truncated != null) {
            protocolError(truncated);
        } else {
            recordReason(CloseReason.Kind.PEER_CLOSED, how);
        }
    }

    /**
     * I/O thread: the fds of a read broke the protocol and have been closed. The read then throws,
     * and Netty closes the channel after passing on the bytes of that read, which are dropped.
     */
    void readRejected(String detail) {
        if (!failed) {
            LOG.debug("{}: protocol error: {}", describe(), detail);
        }
        recordReason(CloseReason.Kind.PROTOCOL_ERROR, detail);
        failed = true;
        releaseInbound();
    }

    /** A write failed for a reason other than the peer being gone; the channel closes next. */
    void writeFailed(SocketErrno e) {
        recordReason(CloseReason.Kind.IO_ERROR, "write failed: " + e.getMessage());
    }

    /**
     * A write found the peer gone (EPIPE, ECONNRESET); any thread, under the write lock. No
     * reason is recorded: the peer's end of stream, read after everything it sent, says how it
     * went (a clean close, or a frame cut short).
     */
    void outputShut(SocketErrno cause) {
        LOG.debug("{}: peer gone for writing ({}); reading on until its end of stream", describe(), cause.getMessage());
    }

    /** I/O thread: {@code n} bytes went to the socket. */
    void written(int n) {
        queuedBytes.addAndGet(-n);
        signalIfDrained();
    }

    /** Any thread: {@code n} fds of a frame went to the kernel, or were closed unsent. */
    void handlesGone(int n) {
        queuedHandles.addAndGet(-n);
        signalIfDrained();
    }

    /** Any thread: a frame was released with {@code unsent} bytes never written. */
    void discarded(int unsent) {
        if (unsent > 0) {
            queuedBytes.addAndGet(-unsent);
            signalIfDrained();
        }
    }

    /** Fires onWritable once per backed-up episode; the compare-and-set picks the one caller that does. */
    private void signalIfDrained() {
        if (queuedBytes.get() < LOW_WATER_BYTES && queuedHandles.get() < LOW_WATER_HANDLES && backedUp.compareAndSet(true, false)) {
            try {
                // A task, not a direct call: this may run inside Netty's flush or on a user thread,
                // and the listener is likely to send again.
                channel.eventLoop().execute(this::fireWritable);
            } catch (RuntimeException e) {
                LOG.debug("{}: cannot schedule onWritable", describe(), e);
            }
        }
    }

    private void fireWritable() {
        if (!closeNotified) {
            try {
                listener.onWritable();
            } catch (RuntimeException e) {
                LOG.error("{}: listener.onWritable threw", describe(), e);
            }
        }
    }

    // =================================================================== inbound

    private final class Inbound extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            onBytes((ByteBuf) msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            onException(cause);
        }
    }

    private void onBytes(ByteBuf in) {
        if (failed || closeNotified) {
            in.release();
            return;
        }
        if (direct != null && direct.tookRead(in)) {
            in.release();
        } else {
            append(in);
        }
        String error = null;
        delivering = true;
        try {
            error = decodeFrames();
        } finally {
            delivering = false;
        }
        if (error != null) {
            protocolError(error);
        } else {
            if (cumulation != null && !cumulation.isReadable()) {
                cumulation.release();
                cumulation = null;
            }
            watchPartialFrame();
        }
        if (closedPendingDelivery) {
            closedPendingDelivery = false;
            finishClose();
        }
    }

    /** I/O thread, from the read loop: the buffer the next read should fill, or null for a fresh one. */
    ByteBuf directReadTarget() {
        return direct == null || direct.isComplete() || failed || closeNotified ? null : direct.readTarget();
    }

    /**
     * Delivers every complete frame in the cumulation.
     *
     * @return a protocol violation, or null
     */
    private String decodeFrames() {
        try {
            // Stops when the listener closes the channel: nothing is delivered after close().
            while (!failed && channel.isOpen()) {
                int readable = cumulation == null ? 0 : cumulation.readableBytes();
                if (pendingHeader == null) {
                    if (readable < FrameHeader.SIZE) {
                        break;
                    }
                    FrameHeader header = FrameHeader.peek(cumulation.nioBuffer(cumulation.readerIndex(), FrameHeader.SIZE), limits);
                    // All fds of this frame came with the read that held its first byte, which has happened.
                    pendingFds = receivedFds.claim(frameStart, header.handleCount(), header.paddedLength()); // now owned by the frame in progress
                    pendingHeader = header;
                }
                FrameHeader header = pendingHeader;
                int padded = header.paddedLength();
                if (direct == null && readable < padded && header.type() == FrameType.EVENT
                        && header.bodyLength() >= DirectPayload.MIN_BYTES) {
                    ByteBuf body = cumulation.slice(cumulation.readerIndex() + FrameHeader.SIZE, readable - FrameHeader.SIZE);
                    int eventHeader = DirectPayload.eventHeaderLength(body, header.bodyLength(), header.handleCount());
                    if (eventHeader == 0 || eventHeader > body.readableBytes()) {
                        break; // too little of the body to tell, or to take the event header; more is on its way
                    }
                    int payload = header.bodyLength() - eventHeader;
                    if (eventHeader > 0 && payload >= DirectPayload.MIN_BYTES) {
                        // Allocated as the bytes arrive, not at the declared length (DirectPayload.FIRST_STEP_BYTES).
                        direct = DirectPayload.start(body, eventHeader, payload);
                        cumulation.skipBytes(FrameHeader.SIZE + body.readerIndex());
                        readable = cumulation.readableBytes();
                    }
                }
                if (direct != null) {
                    if (readable > 0) {
                        direct.fillFrom(cumulation);
                        readable = cumulation.readableBytes();
                    }
                    int paddingBytes = padded - header.frameLength();
                    if (!direct.isComplete() || readable < paddingBytes) {
                        break;
                    }
                    String badPadding = paddingBytes == 0 ? null : checkPadding(cumulation, cumulation.readerIndex(), header);
                    if (badPadding != null) {
                        return badPadding;
                    }
                    FrameBody body = direct.body();
                    direct = null;
                    if (paddingBytes > 0) {
                        cumulation.skipBytes(paddingBytes);
                    }
                    deliverPending(header, body);
                    frameStart += padded;
                    continue;
                }
                if (readable < padded) {
                    break;
                }
                int at = cumulation.readerIndex();
                String badPadding = checkPadding(cumulation, at + header.frameLength(), header);
                if (badPadding != null) {
                    return badPadding;
                }
                FrameBody body = FrameCodec.decode(header, cumulation.nioBuffer(at + FrameHeader.SIZE, header.bodyLength()));
                deliverPending(header, body); // the body views the cumulation: skip only after the listener is done
                cumulation.skipBytes(padded);
                frameStart += padded;
            }
            receivedFds.checkOrphans(pendingHeader == null ? frameStart : frameStart + pendingHeader.paddedLength());
            return null;
        } catch (ProtocolException e) {
            return e.getMessage();
        }
    }

    /** Checks the padding of the frame in progress, whose first padding byte is at {@code index} of {@code buf}. */
    private String checkPadding(ByteBuf buf, int index, FrameHeader header) {
        for (int i = header.frameLength(); i < header.paddedLength(); i++) {
            byte b = buf.getByte(index + i - header.frameLength());
            if (b != 0) {
                return String.format("nonzero padding byte 0x%02x at offset %d (frame at offset %d)", b & 0xff, frameStart + i, frameStart);
            }
        }
        return null;
    }

    /** Hands the frame in progress, with the fds it claimed, to the listener. */
    private void deliverPending(FrameHeader header, FrameBody body) {
        long[] handles = new long[pendingFds.length];
        for (int i = 0; i < handles.length; i++) {
            handles[i] = pendingFds[i];
        }
        pendingFds = ReceivedFds.NO_FDS;
        pendingHeader = null;
        deliver(header, body, handles); // the listener owns the handles from here
    }

    private void deliver(FrameHeader header, FrameBody body, long[] handles) {
        try {
            listener.onFrame(header, body, handles);
        } catch (RuntimeException e) {
            // The listener's bug, not the peer's: the stream is still in sync, so keep going.
            LOG.error("{}: listener.onFrame threw on a {} frame", describe(), header.type(), e);
        }
    }

    /**
     * Adds a read to the cumulation. A frame in progress grows the buffer geometrically up to the
     * frame's size: few copies for a 16 MiB frame, but no more memory than twice what the peer has
     * actually sent, whatever length its header claims.
     */
    private void append(ByteBuf in) {
        if (cumulation == null) {
            cumulation = in; // taken over from Netty's read loop; released by this channel
            return;
        }
        int n = in.readableBytes();
        if (cumulation.capacity() - cumulation.writerIndex() < n) {
            int need = cumulation.readableBytes() + n;
            int target = need;
            if (pendingHeader != null && direct == null) { // with a direct payload, only padding is still to come here
                target = Math.max(need, Math.min(pendingHeader.paddedLength(), Math.max(2 * need, MIN_CUMULATION_BYTES)));
            }
            ByteBuf bigger = channel.alloc().directBuffer(target);
            bigger.writeBytes(cumulation);
            cumulation.release();
            cumulation = bigger;
        }
        cumulation.writeBytes(in);
        in.release();
    }

    /**
     * Starts the frame timeout for a frame whose first bytes are here and whose last are not (docs/protocol.md
     * §9): a peer that starts a frame and goes silent would otherwise pin its buffer and fds for good.
     */
    private void watchPartialFrame() {
        boolean partial = pendingHeader != null || (cumulation != null && cumulation.isReadable());
        if (!partial) {
            partialFrameStart = -1;
            return;
        }
        if (partialFrameStart != frameStart) {
            partialFrameStart = frameStart;
            partialSince = System.nanoTime();
        }
        if (frameTimer == null) {
            frameTimer = channel.eventLoop().schedule(this::checkPartialFrame, limits.frameTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** I/O thread: the frame timer fired. */
    private void checkPartialFrame() {
        frameTimer = null;
        if (failed || closeNotified || partialFrameStart < 0) {
            return;
        }
        long timeout = limits.frameTimeout().toNanos();
        if (!channel.config().isAutoRead()) {
            // Reading is paused by this side: the frame is incomplete because we do not read. Its
            // clock starts again once reading resumes.
            partialSince = System.nanoTime();
        }
        long left = partialSince + timeout - System.nanoTime();
        if (left > 0) {
            frameTimer = channel.eventLoop().schedule(this::checkPartialFrame, left, TimeUnit.NANOSECONDS);
            return;
        }
        fail(CloseReason.Kind.PROTOCOL_ERROR, "frame at offset " + frameStart + " incomplete for " + limits.frameTimeout().toMillis()
                + " ms: " + progress());
    }

    /** How much of the frame in progress has arrived, e.g. {@code "59 of 67108880 bytes"}. */
    private String progress() {
        long have = cumulation == null ? 0 : cumulation.readableBytes();
        if (direct != null) {
            have += FrameHeader.SIZE + pendingHeader.bodyLength() - direct.length() + direct.filled();
        }
        return have + " of " + (pendingHeader == null ? "at least " + FrameHeader.SIZE : Integer.toString(pendingHeader.paddedLength())) + " bytes";
    }

    /**
     * For tests: bytes this channel holds for the frame in progress (cumulation capacity plus the
     * array a direct payload is read into). I/O thread only.
     */
    long bytesHeldForPartialFrame() {
        return (cumulation == null ? 0 : cumulation.capacity()) + (direct == null ? 0 : direct.capacity());
    }

    /** For tests: stream bytes read so far. I/O thread only. */
    long bytesRead() {
        return channel.bytesRead();
    }

    /** Why the bytes received so far do not end at a frame boundary, or null when they do. */
    private String truncation() {
        int have = cumulation == null ? 0 : cumulation.readableBytes();
        if (direct != null) {
            // header and event header are out of the cumulation; what is left there is padding
            have += FrameHeader.SIZE + pendingHeader.bodyLength() - direct.length() + direct.filled();
        }
        if (pendingHeader != null) {
            return "connection closed mid-frame: truncated body, " + (have - FrameHeader.SIZE) + " of "
                    + (pendingHeader.paddedLength() - FrameHeader.SIZE) + " bytes (frame at offset " + frameStart + ")";
        }
        if (have > 0) {
            return "connection closed mid-frame: truncated header, " + have + " of " + FrameHeader.SIZE
                    + " bytes (frame at offset " + frameStart + ")";
        }
        return null;
    }

    private void onException(Throwable cause) {
        if (cause instanceof ClosedChannelException || cause instanceof FdSocketChannel.FdBatchRejected) {
            return; // a consequence of a close or rejection whose reason is already recorded
        }
        if (cause instanceof IOException) {
            fail(CloseReason.Kind.IO_ERROR, "read failed: " + cause.getMessage());
        } else {
            LOG.warn("{}: unexpected error on the I/O thread", describe(), cause);
            fail(CloseReason.Kind.IO_ERROR, "unexpected error: " + cause);
        }
    }

    private void protocolError(String detail) {
        if (!failed) {
            LOG.debug("{}: protocol error: {}", describe(), detail);
        }
        fail(CloseReason.Kind.PROTOCOL_ERROR, detail);
    }

    /** I/O thread (never inside the decode loop): stops inbound processing, drops what is buffered, closes. */
    private void fail(CloseReason.Kind kind, String detail) {
        recordReason(kind, detail);
        failed = true;
        releaseInbound();
        channel.close();
    }

    private void recordReason(CloseReason.Kind kind, String detail) {
        closeReason.compareAndSet(null, new CloseReason(kind, detail));
    }

    /** Releases the cumulation and closes every received fd not handed to the listener. Idempotent. */
    private void releaseInbound() {
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
        int[] fds = pendingFds;
        pendingFds = ReceivedFds.NO_FDS;
        for (int f : fds) {
            ops.close(f);
        }
        pendingHeader = null;
        direct = null;
        receivedFds.closeAll();
    }

    /** I/O thread: the channel is closed and Netty has released the outbound frames. */
    private void onInactive() {
        closed = true;
        flushOutbox(); // Netty refuses writes on a closed channel and releases them, closing their fds
        if (delivering) {
            // onClosed must come after the last onFrame, and the decode loop still uses the
            // cumulation: finish once it has unwound.
            closedPendingDelivery = true;
        } else {
            finishClose();
        }
    }

    private void finishClose() {
        if (closeNotified) {
            return;
        }
        closeNotified = true;
        failed = true;
        releaseInbound();
        if (frameTimer != null) {
            frameTimer.cancel(false);
            frameTimer = null;
        }
        CloseReason reason = closeReason.get();
        if (reason == null) {
            reason = new CloseReason(CloseReason.Kind.IO_ERROR, "channel closed");
        }
        try {
            listener.onClosed(reason);
        } catch (RuntimeException e) {
            LOG.error("{}: listener.onClosed threw", describe(), e);
        }
    }
}

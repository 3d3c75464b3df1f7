package dev.switchboard.ipc.broker.sandbox;

import dev.switchboard.ipc.InvalidSharedBufferException;
import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.SharedBuffer;
import dev.switchboard.ipc.spi.HandleOps;
import dev.switchboard.ipc.spi.SandboxOps;
import dev.switchboard.ipc.spi.SandboxOps.Packet;
import dev.switchboard.ipc.spi.SandboxOps.SocketKind;
import dev.switchboard.ipc.spi.Transport;
import dev.switchboard.ipc.spi.Transports;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The child's side of the sandbox IPC channel: blocking requests to the parent's
 * {@link SandboxIpcHost} over the socket the launcher put in a well-known slot (4 by default).
 * Meant for code deep in a call stack that cannot wait for a message pipe's callback.
 *
 * <pre>{@code
 * SandboxIpcClient sandbox = SandboxIpcClient.fromEnvironment();
 * BrokenDownTime t = sandbox.localTime(Instant.now().getEpochSecond(), "Europe/Berlin");
 * }</pre>
 *
 * <p>Each call makes a fresh SOCK_SEQPACKET socketpair, sends the request with one end attached
 * and waits on the other, so any number of threads (and children) may call at once and every
 * reply finds its caller. A call ends with the reply, with an exception when the host refused,
 * dropped or never answered the request (the host closing the reply channel, or dying, ends the
 * wait at once), or with {@link SandboxTimeoutException}. The wait is a native {@code poll} and is
 * not interruptible; the timeout bounds it.
 *
 * <p>Thread-safe.
 */
public final class SandboxIpcClient implements AutoCloseable {

    /** The timeout of the methods that take none. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private static SandboxIpcClient environmentClient;

    private final SandboxOps ops;
    private final HandleOps handles;
    private final PlatformHandle socket;
    /** Calls share it while they use the socket's number; close takes it alone, so no call sends to a reused number. */
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    private SandboxIpcClient(SandboxOps ops, HandleOps handles, PlatformHandle socket) {
        this.ops = ops;
        this.handles = handles;
        this.socket = socket;
    }

    /**
     * The client for the socket this process inherited, found through the system property
     * {@value SandboxIpc#PROPERTY} or the switch {@value SandboxIpc#SWITCH} on the JVM's command
     * line (both {@code fd:N}). Every call returns the same client; it lives as long as the
     * process, so do not close it unless nothing in the process will use it again.
     *
     * @return the process's client
     * @throws IllegalStateException when this process was not given a sandbox channel
     */
    public static synchronized SandboxIpcClient fromEnvironment() {
        if (environmentClient == null) {
            String value = System.getProperty(SandboxIpc.PROPERTY);
            if (value == null) {
                String[] jvmArgs = ProcessHandle.current().info().arguments().orElse(new String[0]);
                value = SandboxIpc.findSwitch(jvmArgs).orElseThrow(() -> new IllegalStateException(
                        "no sandbox IPC channel: neither -D" + SandboxIpc.PROPERTY + " nor " + SandboxIpc.SWITCH
                                + " is set; was this process launched with passSandboxChannel?"));
            }
            environmentClient = fromSwitchValue(value);
        }
        return environmentClient;
    }

    /**
     * A client for the socket named by a switch value ({@code fd:N}); takes ownership of fd N.
     *
     * @param value the switch value
     * @return the client; the caller closes it
     * @throws IllegalArgumentException when {@code value} is malformed or fd N is not a
     *     SOCK_SEQPACKET socket
     */
    public static SandboxIpcClient fromSwitchValue(String value) {
        if (!value.startsWith("fd:")) {
            throw new IllegalArgumentException("bad sandbox IPC switch '" + value + "': fd:N expected");
        }
        int fd;
        try {
            fd = Integer.parseInt(value.substring(3));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad sandbox IPC switch '" + value + "': fd:N expected");
        }
        return ofFd(fd);
    }

    /**
     * A client for raw descriptor {@code fd}, which it takes ownership of (also on failure).
     *
     * @param fd a SOCK_SEQPACKET socket connected to a sandbox host
     * @return the client; the caller closes it
     * @throws IllegalArgumentException when {@code fd} is negative or not a SOCK_SEQPACKET socket
     */
    public static SandboxIpcClient ofFd(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("negative fd " + fd);
        }
        return ofHandle(PlatformHandle.adopt(fd, Transports.get().handles()));
    }

    /**
     * A client for a handle to a sandbox channel's child end (for example one from
     * {@link SandboxIpcHost#duplicateChildEnd()}). Takes ownership of {@code socket}, also when
     * this throws.
     *
     * @param socket the handle
     * @return the client; the caller closes it
     * @throws IllegalArgumentException when it is not a SOCK_SEQPACKET socket
     */
    public static SandboxIpcClient ofHandle(PlatformHandle socket) {
        Objects.requireNonNull(socket);
        Transport transport = Transports.get();
        try {
            SandboxOps ops = transport.sandboxOps();
            SocketKind kind = ops.socketKind(socket.value());
            if (kind != SocketKind.SEQPACKET) {
                throw new IllegalArgumentException(socket + " is " + kind + ", not a SOCK_SEQPACKET sandbox channel");
            }
            // inherited without FD_CLOEXEC by design; processes this one spawns must not get it too
            transport.handles().setNotInheritable(socket.value());
            return new SandboxIpcClient(ops, transport.handles(), socket);
        } catch (IOException e) {
            socket.close();
            throw new IllegalArgumentException(socket + " is not a usable descriptor: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * Asks the host for the broken-down local time of {@code epochSeconds} in its default zone.
     *
     * @param epochSeconds seconds since 1970-01-01T00:00Z
     * @return the local time, as the host computes it
     * @throws SandboxRequestRefusedException for a time out of range
     * @throws SandboxIpcException when the call fails (see {@link #call(RequestType, Object, Duration)})
     */
    public BrokenDownTime localTime(long epochSeconds) throws SandboxIpcException {
        return localTime(epochSeconds, null);
    }

    /**
     * The broken-down local time of {@code epochSeconds} in {@code zoneId} (null: the host's
     * default zone), as the host computes it.
     *
     * @param epochSeconds seconds since 1970-01-01T00:00Z
     * @param zoneId a zone id such as {@code Europe/Berlin}, or null for the host's default
     * @return the local time
     * @throws SandboxRequestRefusedException for an unknown zone or a time out of range
     * @throws SandboxIpcException when the call fails (see {@link #call(RequestType, Object, Duration)})
     */
    public BrokenDownTime localTime(long epochSeconds, String zoneId) throws SandboxIpcException {
        return call(SandboxRequests.LOCAL_TIME, new SandboxRequests.LocalTimeRequest(epochSeconds, zoneId), DEFAULT_TIMEOUT);
    }

    /**
     * A new writable shared buffer of exactly {@code size} bytes (a sealed-size memfd), owned by
     * the caller: the same type a message carries, so it maps, travels and makes read-only copies
     * like any other. Checked on arrival as a message's buffer is.
     *
     * @param size the segment's size in bytes
     * @param executable whether the segment may be mapped executable (by native code: {@link
     *     SharedBuffer#map()} maps it for reading and writing only)
     * @return the buffer; the caller closes it
     * @throws SandboxRequestRefusedException when the size is over the host's limit or the host
     *                                        does not allow executable segments
     * @throws SandboxIpcException when the call fails (see {@link #call(RequestType, Object, Duration)}),
     *     or the host's descriptor is not the buffer it should be
     * @throws dev.switchboard.ipc.SharedMemoryLimitException when {@code size} is above this
     *     process's {@link dev.switchboard.ipc.wire.SharedMemoryLimits#maxBufferBytes()}
     */
    public SharedBuffer makeSharedMemorySegment(long size, boolean executable) throws SandboxIpcException {
        PlatformHandle h = call(SandboxRequests.MAKE_SHARED_MEMORY_SEGMENT, new SandboxRequests.SharedMemoryRequest(size, executable),
                DEFAULT_TIMEOUT);
        try {
            return SharedBuffer.fromHandle(h, size, false);
        } catch (InvalidSharedBufferException e) {
            throw new SandboxIpcException("the host's segment is not a shared buffer of " + size + " bytes: " + e.getMessage());
        }
    }

    /**
     * Sends one request and waits up to {@link #DEFAULT_TIMEOUT} for its reply, as
     * {@link #call(RequestType, Object, Duration)} does.
     *
     * @param type the request type, as the host registered it
     * @param request the request; handles it carries move to the host
     * @param <Q> request type
     * @param <R> reply type
     * @return the reply; the caller owns handles in it
     * @throws SandboxIpcException when the host refused, dropped or never answered the request
     */
    public <Q, R> R call(RequestType<Q, R> type, Q request) throws SandboxIpcException {
        return call(type, request, DEFAULT_TIMEOUT);
    }

    /**
     * Sends one request and waits for its reply.
     *
     * @param type the request type, as the host registered it
     * @param request the request
     * @param <Q> request type
     * @param <R> reply type
     * @return the reply; the caller owns handles in it
     * @param timeout for the whole call: room to send, then the reply
     * @throws SandboxRequestRefusedException the host declined, with its reason
     * @throws SandboxTimeoutException        no reply in time
     * @throws SandboxIpcException            the host dropped the request (see its
     *                                        {@link RejectReason}s), is gone, or its handler failed
     */
    public <Q, R> R call(RequestType<Q, R> type, Q request, Duration timeout) throws SandboxIpcException {
        Objects.requireNonNull(type);
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] payload;
        try (PacketWriter w = new PacketWriter(0)) {
            w.putInt(type.magic());
            type.requestCodec().encode(request, w);
            payload = w.toByteArray();
        }
        long[] pair;
        try {
            pair = ops.seqPacketPair();
        } catch (IOException e) {
            throw new SandboxIpcException("cannot create a reply channel for " + type.name() + ": " + e.getMessage(), e);
        }
        long sendAway = pair[0];
        long replyEnd = pair[1];
        try {
            try {
                send(type, payload, sendAway, deadline, timeout);
            } finally {
                // Our copy of the end we sent must go now: then the host's copy is the only one,
                // and if the host drops the request or dies, the kernel closes it and the wait
                // below ends with end-of-file instead of the timeout.
                handles.close(sendAway);
            }
            return awaitReply(type, replyEnd, deadline, timeout);
        } finally {
            handles.close(replyEnd);
        }
    }

    private void send(RequestType<?, ?> type, byte[] payload, long sendAway, long deadline, Duration timeout)
            throws SandboxIpcException {
        lock.readLock().lock();
        try {
            if (!socket.isValid()) {
                throw new SandboxIpcException("sandbox IPC client is closed");
            }
            ops.send(socket.value(), payload, new long[] {sendAway}, remainingMillis(deadline));
        } catch (SocketTimeoutException e) {
            throw new SandboxTimeoutException(type.name() + ": no room to send within " + timeout
                    + " (the host is not reading)");
        } catch (IOException e) {
            throw new SandboxIpcException(type.name() + ": cannot send to the sandbox host (gone?): " + e.getMessage(), e);
        } finally {
            lock.readLock().unlock();
        }
    }

    private <R> R awaitReply(RequestType<?, R> type, long replyEnd, long deadline, Duration timeout)
            throws SandboxIpcException {
        while (true) {
            long left = remainingMillis(deadline);
            int ready;
            try {
                ready = left == 0 ? 0 : ops.await(new long[] {replyEnd}, left)[0];
            } catch (IOException e) {
                throw new SandboxIpcException(type.name() + ": waiting for the reply failed: " + e.getMessage(), e);
            }
            if (ready == 0) {
                throw new SandboxTimeoutException(type.name() + ": no reply within " + timeout);
            }
            Packet p;
            try {
                p = ops.receive(replyEnd, SandboxIpc.MAX_REPLY_BYTES, SandboxIpc.MAX_REPLY_HANDLES);
            } catch (IOException e) {
                throw new SandboxIpcException(type.name() + ": reading the reply failed: " + e.getMessage(), e);
            }
            if (p == null) {
                continue; // woken without a packet; wait again
            }
            return decodeReply(type, p);
        }
    }

    private <R> R decodeReply(RequestType<?, R> type, Packet p) throws SandboxIpcException {
        // the received descriptors are ours: the reader owns them until the codec takes them
        PlatformHandle[] received = new PlatformHandle[p.fds().length];
        for (int i = 0; i < received.length; i++) {
            received[i] = PlatformHandle.adopt(p.fds()[i], handles);
        }
        byte[] data = p.data();
        try (PacketReader in = new PacketReader(data, Math.min(data.length, SandboxIpc.STATUS_BYTES), received)) {
            if (data.length == 0 && received.length == 0) {
                throw new SandboxIpcException(type.name() + ": the host closed the reply channel without answering:"
                        + " it dropped the request as malformed, unknown or oversized (see the host's counters and"
                        + " debug log), or it is gone");
            }
            if (p.truncated() || p.fdsTruncated() || data.length < SandboxIpc.STATUS_BYTES) {
                throw new SandboxIpcException(type.name() + ": malformed reply (" + data.length + " bytes, "
                        + received.length + " handles" + (p.truncated() || p.fdsTruncated() ? ", truncated" : "") + ")");
            }
            int status = ((data[0] & 0xFF) << 24) | ((data[1] & 0xFF) << 16) | ((data[2] & 0xFF) << 8) | (data[3] & 0xFF);
            try {
                switch (status) {
                    case SandboxIpc.STATUS_OK: {
                        R reply = type.replyCodec().decode(in);
                        if (in.remaining() != 0) {
                            if (reply instanceof AutoCloseable) {
                                closeQuietly((AutoCloseable) reply);
                            }
                            throw new MalformedPacketException(in.remaining() + " bytes left over");
                        }
                        return reply;
                    }
                    case SandboxIpc.STATUS_REFUSED:
                        throw new SandboxRequestRefusedException(String.valueOf(in.getString()));
                    case SandboxIpc.STATUS_FAILED:
                        throw new SandboxIpcException(type.name() + ": " + in.getString());
                    default:
                        throw new MalformedPacketException("unknown status " + status);
                }
            } catch (MalformedPacketException e) {
                throw new SandboxIpcException(type.name() + ": malformed reply: " + e.getMessage(), e);
            }
        }
    }

    /**
     * Closes the socket. Calls already sending finish first; later calls fail. Closing the
     * {@link #fromEnvironment()} client closes it for the whole process, for good.
     */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            socket.close();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private static long remainingMillis(long deadlineNanos) {
        long left = deadlineNanos - System.nanoTime();
        return left <= 0 ? 0 : Math.max(1, (left + 999_999) / 1_000_000);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // failure path already
        }
    }
}

package dev.switchboard.ipc.broker.sandbox;

import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.spi.HandleOps;
import dev.switchboard.ipc.spi.SandboxOps;
import dev.switchboard.ipc.spi.SandboxOps.Packet;
import dev.switchboard.ipc.spi.SandboxOps.SocketKind;
import dev.switchboard.ipc.spi.Transport;
import dev.switchboard.ipc.spi.Transports;
import java.io.IOException;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parent's side of the sandbox IPC channel (Chromium's SandboxHostLinux plus its
 * SandboxIPCHandler): one SOCK_SEQPACKET socketpair whose child end every sandboxed child
 * inherits, and one thread that answers the synchronous requests those children send.
 *
 * <pre>{@code
 * try (SandboxIpcHost host = SandboxIpcHost.start(SandboxIpcHost.Options.DEFAULT)) {
 *     ChildProcessLauncher.forJava(Renderer.class).passSandboxChannel(host).start();
 *     ...
 * }
 * }</pre>
 *
 * <p>Descriptors and who owns them: the host end and the lifeline's read end belong to the
 * handler thread, which closes them when it stops; the lifeline's write end and this process's
 * copy of the child end belong to this object. The child end is never handed out itself:
 * {@link #duplicateChildEnd()} gives each launch its own duplicate, so this copy stays open for
 * the children launched later.
 *
 * <p>Requests are answered on the one handler thread, in arrival order, so handlers must be
 * quick; docs/sandbox-ipc.md explains why there is no pool. Thread-safe.
 */
public final class SandboxIpcHost implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SandboxIpcHost.class);

    /**
     * Room for more descriptors than a request may carry, so that "too many" arrives as such
     * rather than as a truncated control message; the kernel closes any beyond this anyway.
     */
    private static final int FDS_PROBE = 4;
    private static final int MAX_CONSECUTIVE_FAILURES = 3;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    /** The host's configuration. Immutable; each {@code with}-style method returns a copy. */
    public static final class Options {

        /**
         * No executable segments, segments up to 256 MiB, requests up to 4 KiB, only the
         * built-in request types.
         */
        public static final Options DEFAULT = new Options(false, 256L << 20, 4096, Map.of());

        private final boolean allowExecutableMemory;
        private final long maxSegmentBytes;
        private final int maxRequestBytes;
        private final Map<Integer, Registration<?, ?>> handlers;

        private Options(boolean allowExecutableMemory, long maxSegmentBytes, int maxRequestBytes,
                        Map<Integer, Registration<?, ?>> handlers) {
            this.allowExecutableMemory = allowExecutableMemory;
            this.maxSegmentBytes = maxSegmentBytes;
            this.maxRequestBytes = maxRequestBytes;
            this.handlers = handlers;
        }

        /**
         * Returns a copy that says whether MakeSharedMemorySegment may hand out executable
         * segments (refused otherwise).
         *
         * @param allow true to allow them
         * @return the new options
         */
        public Options allowExecutableMemory(boolean allow) {
            return new Options(allow, maxSegmentBytes, maxRequestBytes, handlers);
        }

        /**
         * Returns a copy with a segment size limit; larger MakeSharedMemorySegment requests are
         * refused.
         *
         * @param max the largest segment, in bytes
         * @return the new options
         * @throws IllegalArgumentException when {@code max} is not positive
         */
        public Options maxSegmentBytes(long max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxSegmentBytes must be positive");
            }
            return new Options(allowExecutableMemory, max, maxRequestBytes, handlers);
        }

        /**
         * Longer requests (magic included) are dropped as {@link RejectReason#OVERSIZED}. At
         * least 16 and at most 64 KiB: a request must fit the shared socket's send buffer whole.
         *
         * @param max the longest request, in bytes
         * @return a copy with that limit
         * @throws IllegalArgumentException when {@code max} is outside 16..65536
         */
        public Options maxRequestBytes(int max) {
            if (max < 16 || max > 64 * 1024) {
                throw new IllegalArgumentException("maxRequestBytes must be 16..65536: " + max);
            }
            return new Options(allowExecutableMemory, maxSegmentBytes, max, handlers);
        }

        /**
         * Answers {@code type} with {@code handler}, on the handler thread.
         *
         * @param type the request type
         * @param handler answers it
         * @param <Q> request type
         * @param <R> reply type
         * @return a copy with that handler added
         * @throws IllegalArgumentException when another handler has the same magic
         */
        public <Q, R> Options handle(RequestType<Q, R> type, SandboxRequestHandler<Q, R> handler) {
            Objects.requireNonNull(type);
            Objects.requireNonNull(handler);
            if (handlers.containsKey(type.magic()) || type.magic() >>> 16 == SandboxIpc.RESERVED_MAGIC_PREFIX) {
                throw new IllegalArgumentException(type + ": magic already handled");
            }
            Map<Integer, Registration<?, ?>> more = new HashMap<>(handlers);
            more.put(type.magic(), new Registration<>(type, handler));
            return new Options(allowExecutableMemory, maxSegmentBytes, maxRequestBytes, Collections.unmodifiableMap(more));
        }

        /** {@return whether MakeSharedMemorySegment may hand out executable segments} */
        public boolean allowExecutableMemory() {
            return allowExecutableMemory;
        }

        /** {@return the largest segment MakeSharedMemorySegment hands out, in bytes} */
        public long maxSegmentBytes() {
            return maxSegmentBytes;
        }

        /** {@return the longest request accepted, in bytes, magic included} */
        public int maxRequestBytes() {
            return maxRequestBytes;
        }
    }

    /**
     * Counters since start. Every request received ends in exactly one of served, refused,
     * failed or one rejected reason; {@code undeliverable} counts answers (of any kind) whose
     * reply channel was already closed, typically because the child timed out or died.
     *
     * @param served requests answered with a reply
     * @param refused requests declined by their handler, with a reason
     * @param failed requests whose handler or reply encoding threw, or whose reply was too large
     * @param undeliverable answers whose reply channel was already closed
     * @param rejected requests dropped before any handler ran, by reason; unmodifiable
     */
    public record Stats(long served, long refused, long failed, long undeliverable, Map<RejectReason, Long> rejected) {

        /**
         * Returns how many requests were dropped for {@code reason}.
         *
         * @param reason the reason
         * @return the count
         */
        public long rejected(RejectReason reason) {
            return rejected.getOrDefault(reason, 0L);
        }

        /** {@return how many requests were dropped, for any reason} */
        public long rejectedTotal() {
            return rejected.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** A request type with its handler, kept together so the types line up without casts. */
    private record Registration<Q, R>(RequestType<Q, R> type, SandboxRequestHandler<Q, R> handler) {

        /** Decodes the body; the returned answer runs the handler and encodes its reply. */
        Answer decode(PacketReader in) {
            Q request = type.requestCodec().decode(in);
            return out -> {
                R reply = handler.handle(request);
                try {
                    type.replyCodec().encode(reply, out);
                } catch (RuntimeException e) {
                    if (reply instanceof AutoCloseable) {
                        closeQuietly((AutoCloseable) reply); // e.g. a PlatformHandle that never got attached
                    }
                    throw e;
                }
            };
        }
    }

    private interface Answer {
        void writeTo(PacketWriter out) throws SandboxRequestRefusedException;
    }

    private final Options options;
    private final Map<Integer, Registration<?, ?>> handlers;
    private final SandboxOps ops;
    private final HandleOps handles;
    /** This process's copy of the child end: kept open for future children; duplicated per launch. */
    private final PlatformHandle childEnd;
    /** Owned by the handler thread. */
    private final long hostEnd;
    /** Owned by the handler thread. */
    private final long lifelineRead;
    /** Owned by this object; closing it is what tells the handler thread to stop. */
    private final PlatformHandle lifelineWrite;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong undeliverable = new AtomicLong();
    private final AtomicLongArray rejected = new AtomicLongArray(RejectReason.values().length);
    private boolean closed;

    private SandboxIpcHost(Options options, SandboxOps ops, HandleOps handles, long childEnd, long hostEnd,
                           long lifelineRead, long lifelineWrite) {
        this.options = options;
        this.ops = ops;
        this.handles = handles;
        this.childEnd = PlatformHandle.adopt(childEnd, handles);
        this.hostEnd = hostEnd;
        this.lifelineRead = lifelineRead;
        this.lifelineWrite = PlatformHandle.adopt(lifelineWrite, handles);
        Map<Integer, Registration<?, ?>> all = new HashMap<>(options.handlers);
        all.put(SandboxRequests.LOCAL_TIME.magic(),
                new Registration<>(SandboxRequests.LOCAL_TIME, SandboxRequests::localTime));
        all.put(SandboxRequests.MAKE_SHARED_MEMORY_SEGMENT.magic(),
                new Registration<>(SandboxRequests.MAKE_SHARED_MEMORY_SEGMENT, this::makeSharedMemorySegment));
        this.handlers = Map.copyOf(all);
        this.thread = new Thread(this::run, "switchboard-sandbox-ipc");
        this.thread.setDaemon(true);
    }

    /**
     * Starts a host with the built-in request types only and {@link Options#DEFAULT} limits.
     *
     * @return the running host; the caller closes it
     * @throws IOException when the sockets cannot be created
     * @throws UnsupportedOperationException when this OS has no sandbox channel (only Linux has)
     */
    public static SandboxIpcHost start() throws IOException {
        return start(Options.DEFAULT);
    }

    /**
     * Creates the socketpair and the lifeline and starts the handler thread.
     *
     * @param options limits and request handlers
     * @return the running host; the caller closes it
     * @throws IOException when the sockets cannot be created
     * @throws UnsupportedOperationException when this OS has no sandbox channel (only Linux has)
     */
    public static SandboxIpcHost start(Options options) throws IOException {
        Transport transport = Transports.get();
        SandboxOps ops = transport.sandboxOps();
        HandleOps handles = transport.handles();
        long[] pair = ops.seqPacketPair();
        long[] lifeline;
        try {
            // Children never read the shared socket (replies come on their own channels) and the
            // host never writes to it; shutting those directions makes misuse fail loudly.
            ops.shutdown(pair[0], true, false);
            ops.shutdown(pair[1], false, true);
            lifeline = ops.pipe();
        } catch (IOException | RuntimeException e) {
            handles.close(pair[0]);
            handles.close(pair[1]);
            throw e;
        }
        SandboxIpcHost host = new SandboxIpcHost(options, ops, handles, pair[0], pair[1], lifeline[0], lifeline[1]);
        host.thread.start();
        return host;
    }

    /**
     * A new descriptor for the child end, owned by the caller. {@code ChildProcessLauncher}
     * calls this for each launch and closes its duplicate after the spawn; this host's own copy
     * stays open for the next child.
     *
     * @return the duplicate; the caller closes it
     * @throws IllegalStateException after {@link #close()}
     */
    public synchronized PlatformHandle duplicateChildEnd() {
        if (closed) {
            throw new IllegalStateException("sandbox IPC host is closed");
        }
        return childEnd.duplicate();
    }

    /** {@return the options the host was started with} */
    public Options options() {
        return options;
    }

    /** {@return a snapshot of the counters} */
    public Stats stats() {
        Map<RejectReason, Long> r = new EnumMap<>(RejectReason.class);
        for (RejectReason reason : RejectReason.values()) {
            r.put(reason, rejected.get(reason.ordinal()));
        }
        return new Stats(served.get(), refused.get(), failed.get(), undeliverable.get(), Collections.unmodifiableMap(r));
    }

    /** {@return true until the handler thread has stopped and closed its descriptors} */
    public boolean isRunning() {
        return stopped.getCount() > 0;
    }

    /**
     * Waits for the handler thread to stop.
     *
     * @param timeout how long to wait
     * @return true when it has stopped
     * @throws InterruptedException when the calling thread is interrupted while it waits
     */
    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Closes the lifeline, which stops the handler thread, waits (up to 5 s) for it, and closes
     * this process's copy of the child end. Children keep their copies; their requests then fail
     * promptly because nobody holds the other end. A handler still running finishes first.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        lifelineWrite.close(); // the stop signal: the handler's poll sees POLLHUP on the read end
        if (Thread.currentThread() != thread) {
            try {
                if (!stopped.await(CLOSE_WAIT.toNanos(), TimeUnit.NANOSECONDS)) {
                    log.warn("sandbox IPC handler thread still busy {} after close; it stops after its current request",
                            CLOSE_WAIT);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        childEnd.close();
    }

    // ------------------------------------------------------------------ handler thread

    private void run() {
        long[] watched = {lifelineRead, hostEnd};
        int failures = 0;
        try {
            while (true) {
                int[] ready;
                try {
                    ready = ops.await(watched, -1);
                } catch (IOException e) {
                    if (++failures > MAX_CONSECUTIVE_FAILURES) {
                        log.error("sandbox IPC: poll keeps failing; handler stops", e);
                        return;
                    }
                    log.warn("sandbox IPC: poll failed", e);
                    continue;
                }
                if (ready[0] != 0) {
                    // hang-up (or anything) on the lifeline: our owner closed it
                    log.debug("sandbox IPC: lifeline closed; handler stops");
                    return;
                }
                if ((ready[1] & (SandboxOps.HANGUP | SandboxOps.INVALID)) != 0) {
                    log.debug("sandbox IPC: shared socket hung up; handler stops");
                    return;
                }
                if ((ready[1] & SandboxOps.READABLE) != 0) {
                    try {
                        serveOne();
                        failures = 0;
                    } catch (IOException e) {
                        if (++failures > MAX_CONSECUTIVE_FAILURES) {
                            log.error("sandbox IPC: receiving keeps failing; handler stops", e);
                            return;
                        }
                        log.warn("sandbox IPC: receive failed", e);
                    }
                }
            }
        } catch (RuntimeException | Error e) {
            // Only a bug gets here (input cannot): closing the host end below makes every child's
            // request fail at once instead of hanging.
            log.error("sandbox IPC handler thread died", e);
            throw e;
        } finally {
            handles.close(hostEnd);
            handles.close(lifelineRead);
            stopped.countDown();
        }
    }

    /** Receives one request and answers or drops it. Every received descriptor is closed here. */
    private void serveOne() throws IOException {
        Packet p = ops.receive(hostEnd, options.maxRequestBytes, FDS_PROBE);
        if (p == null) {
            return;
        }
        // The received fds are ours from here on (recvmsg installed them, CLOEXEC): close all in
        // the finally, whether we answer, drop or fail.
        long[] fds = p.fds();
        try {
            byte[] data = p.data();
            if (p.truncated()) {
                reject(RejectReason.OVERSIZED, "more than " + options.maxRequestBytes + " bytes");
                return;
            }
            if (p.fdsTruncated() || fds.length > 1) {
                reject(RejectReason.TOO_MANY_DESCRIPTORS, (p.fdsTruncated() ? "more than " : "") + fds.length + " descriptors");
                return;
            }
            if (fds.length == 0) {
                reject(RejectReason.NO_REPLY_CHANNEL, data.length + " bytes, no descriptor");
                return;
            }
            SocketKind kind;
            try {
                kind = ops.socketKind(fds[0]);
            } catch (IOException e) {
                // nothing a child sends should get here; if it does, it is the child's problem,
                // not a reason to count a failure of the handler loop
                kind = SocketKind.NOT_A_SOCKET;
            }
            if (kind == SocketKind.NOT_A_SOCKET) {
                reject(RejectReason.REPLY_CHANNEL_NOT_A_SOCKET, "descriptor is not a socket");
                return;
            }
            if (kind != SocketKind.SEQPACKET) {
                reject(RejectReason.REPLY_CHANNEL_WRONG_TYPE, "reply socket is " + kind + ", not SEQPACKET");
                return;
            }
            if (data.length < SandboxIpc.MAGIC_BYTES) {
                reject(RejectReason.MALFORMED_PAYLOAD, data.length + " bytes, shorter than the magic");
                return;
            }
            int magic = ((data[0] & 0xFF) << 24) | ((data[1] & 0xFF) << 16) | ((data[2] & 0xFF) << 8) | (data[3] & 0xFF);
            Registration<?, ?> registration = handlers.get(magic);
            if (registration == null) {
                reject(RejectReason.UNKNOWN_TYPE, String.format("magic 0x%08X", magic));
                return;
            }
            Answer answer;
            PacketReader in = new PacketReader(data, SandboxIpc.MAGIC_BYTES, new PlatformHandle[0]);
            try {
                answer = registration.decode(in);
                if (in.remaining() != 0) {
                    throw new MalformedPacketException(in.remaining() + " bytes left over");
                }
            } catch (RuntimeException e) {
                reject(RejectReason.MALFORMED_PAYLOAD, registration.type() + ": " + e.getMessage());
                return;
            }
            answer(registration.type(), answer, fds[0]);
        } finally {
            for (long fd : fds) {
                handles.close(fd);
            }
        }
    }

    private void answer(RequestType<?, ?> type, Answer answer, long replyFd) {
        PacketWriter out = new PacketWriter(SandboxIpc.MAX_REPLY_HANDLES);
        try {
            out.putInt(SandboxIpc.STATUS_OK);
            try {
                answer.writeTo(out);
                if (out.size() > SandboxIpc.MAX_REPLY_BYTES) {
                    out.close();
                    out = status(SandboxIpc.STATUS_FAILED, type.name() + " reply exceeds " + SandboxIpc.MAX_REPLY_BYTES + " bytes");
                    log.warn("sandbox IPC: {} reply too large", type);
                    failed.incrementAndGet();
                } else {
                    served.incrementAndGet();
                }
            } catch (SandboxRequestRefusedException e) {
                out.close();
                out = status(SandboxIpc.STATUS_REFUSED, e.getMessage());
                refused.incrementAndGet();
            } catch (RuntimeException | LinkageError | AssertionError | StackOverflowError e) {
                // The details stay in this log: the child is not trusted with host internals.
                // (OutOfMemoryError and the other VirtualMachineErrors are not caught: they end the
                // thread, whose finally closes the host end, so every request fails, none hangs.)
                log.warn("sandbox IPC: handler for {} failed", type, e);
                out.close();
                out = status(SandboxIpc.STATUS_FAILED, type.name() + " handler failed (" + e.getClass().getSimpleName() + ")");
                failed.incrementAndGet();
            }
            try {
                // never wait: a reply channel whose buffer is full belongs to a misbehaving child,
                // and waiting on it would stall every other child
                ops.send(replyFd, out.toByteArray(), out.handleValues(), 0);
            } catch (IOException e) {
                undeliverable.incrementAndGet();
                log.debug("sandbox IPC: {} reply not delivered: {}", type, e.getMessage());
            }
        } finally {
            // the kernel holds its own references to whatever was sent; ours go now
            out.close();
        }
    }

    /** A refusal or failure reply; the reason is cut to 1,000 characters so it always fits. */
    private static PacketWriter status(int status, String message) {
        String m = message == null ? "" : message.length() > 1000 ? message.substring(0, 1000) + "..." : message;
        PacketWriter w = new PacketWriter(0);
        w.putInt(status).putString(m);
        return w;
    }

    private void reject(RejectReason reason, String detail) {
        // counted before the descriptors close, so a child that saw its reply channel close
        // also sees the count
        rejected.incrementAndGet(reason.ordinal());
        log.debug("sandbox IPC: dropped request: {} ({})", reason, detail);
    }

    private PlatformHandle makeSharedMemorySegment(SandboxRequests.SharedMemoryRequest request)
            throws SandboxRequestRefusedException {
        if (request.size() < 1) {
            throw new SandboxRequestRefusedException("segment size must be positive: " + request.size());
        }
        if (request.size() > options.maxSegmentBytes) {
            throw new SandboxRequestRefusedException("segment of " + request.size() + " bytes exceeds the host's limit of "
                    + options.maxSegmentBytes);
        }
        if (request.executable() && !options.allowExecutableMemory) {
            throw new SandboxRequestRefusedException("executable segments are not allowed by this host");
        }
        try {
            return PlatformHandle.adopt(ops.createSharedMemory("switchboard-sandbox-shm", request.size(),
                    request.executable()), handles);
        } catch (IOException e) {
            throw new SandboxRequestRefusedException("cannot create a " + request.size() + "-byte segment: " + e.getMessage());
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // best effort on a failure path
        }
    }
}

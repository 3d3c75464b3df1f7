package dev.switchboard.ipc.transport.unix;

import com.sun.jna.Platform;
import dev.switchboard.ipc.spi.NamedChannels;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.FrameCodec;
import dev.switchboard.ipc.wire.FrameHeader;
import dev.switchboard.ipc.wire.FrameType;
import dev.switchboard.ipc.wire.Id128;
import dev.switchboard.ipc.wire.Limits;
import dev.switchboard.ipc.wire.ProtocolException;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketCredentials;
import org.newsclub.net.unix.FileDescriptorCast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Internal: named channels over AF_UNIX stream sockets: a socket file in a fresh 0700 directory, or (Linux
 * only) a random name in the abstract namespace.
 *
 * <p>Neither kind of name is a secret the OS protects completely (the abstract namespace has no
 * permissions at all), so every connection must prove itself twice before it is handed out: the
 * kernel-reported peer uid must be ours, and the first frame must be a CONNECT carrying the
 * one-time token.
 *
 * <p>Handles leave this class as raw fds that are no longer known to junixsocket; see
 * {@link #detach(AFUNIXSocket)} for why that takes care.
 */
public final class UnixNamedChannels implements NamedChannels {

    private static final Logger log = LoggerFactory.getLogger(UnixNamedChannels.class);

    static final String UNIX_PREFIX = "unix:";
    static final String ABSTRACT_PREFIX = "abstract:";
    static final String SOCKET_FILE_NAME = "channel.sock";
    static final String ACCEPT_THREAD_NAME = "switchboard-named-accept";

    /** How long one connection may take to deliver its preface before it is dropped. */
    static final Duration DEFAULT_PREFACE_TIMEOUT = Duration.ofSeconds(2);

    /**
     * A CONNECT frame is exactly this long. Reading at most this much from a connection that has
     * not proven anything yet keeps a stranger from making us allocate or wait for more.
     */
    static final int MAX_PREFACE_BYTES = FrameHeader.SIZE + Id128.SIZE;

    /** Strangers queued behind the real child only delay it; a small backlog is enough. */
    private static final int BACKLOG = 16;

    /** sun_path is 108 bytes on Linux and 104 on macOS, including the terminating NUL. */
    private static final int MAX_SOCKET_PATH_BYTES = Platform.isLinux() ? 107 : 103;

    private final Duration prefaceTimeout;

    public UnixNamedChannels() {
        this(DEFAULT_PREFACE_TIMEOUT);
    }

    /** Tests shorten the per-connection preface timeout so refusals by timeout stay fast. */
    UnixNamedChannels(Duration prefaceTimeout) {
        if (prefaceTimeout.isNegative() || prefaceTimeout.isZero()) {
            throw new IllegalArgumentException("prefaceTimeout must be positive: " + prefaceTimeout);
        }
        this.prefaceTimeout = prefaceTimeout;
    }

    @Override
    public Server listen(Options options) throws IOException {
        Objects.requireNonNull(options, "options");
        if (options.abstractNamespace()) {
            requireAbstractNamespace();
            // 128 random bits: a name nobody can guess, so nobody can bind it before us either.
            String name = "switchboard-" + Id128.random().toHex();
            AFUNIXServerSocket listener = bind(AFUNIXSocketAddress.inAbstractNamespace(name));
            return new NamedServer(listener, null, null, ABSTRACT_PREFIX + name, prefaceTimeout);
        }
        // The directory, not the socket file, is what keeps other users out: connect(2) needs
        // search permission on every directory of the path, and the socket file's own mode is
        // subject to the umask and ignored by some kernels.
        Path dir = Files.createTempDirectory("switchboard-", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------"))).toAbsolutePath();
        Path socketFile = dir.resolve(SOCKET_FILE_NAME);
        try {
            int pathBytes = socketFile.toString().getBytes(StandardCharsets.UTF_8).length;
            if (pathBytes > MAX_SOCKET_PATH_BYTES) {
                throw new IOException("socket path " + socketFile + " is " + pathBytes + " bytes, AF_UNIX allows "
                        + MAX_SOCKET_PATH_BYTES + "; point java.io.tmpdir at a shorter directory");
            }
            AFUNIXServerSocket listener = bind(AFUNIXSocketAddress.of(socketFile));
            return new NamedServer(listener, dir, socketFile, UNIX_PREFIX + socketFile, prefaceTimeout);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(socketFile);
            deleteQuietly(dir);
            throw e;
        }
    }

    @Override
    public long connect(String address, Id128 token, Duration timeout) throws IOException {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(timeout, "timeout");
        AFUNIXSocketAddress target = parseAddress(address);
        AFUNIXSocket socket = AFUNIXSocket.newInstance(); // owns the connection's fd until detach()
        try {
            socket.connect(target, millisAtLeastOne(saturatedNanos(timeout)));
            ByteBuffer frame = FrameCodec.encode(new FrameBody.Connect(token));
            OutputStream out = socket.getOutputStream();
            // 32 bytes into a fresh socket's empty send buffer: this write cannot block.
            out.write(frame.array(), frame.arrayOffset() + frame.position(), frame.remaining());
            return detach(socket); // the caller owns the returned fd from here on
        } catch (IOException | RuntimeException e) {
            closeQuietly(socket);
            throw e;
        }
    }

    /**
     * Parses {@code unix:<absolute path>} or {@code abstract:<name>}.
     *
     * @throws IllegalArgumentException for anything else
     * @throws UnsupportedOperationException for an abstract name on a system without that namespace
     */
    static AFUNIXSocketAddress parseAddress(String address) throws IOException {
        Objects.requireNonNull(address, "address");
        if (address.startsWith(UNIX_PREFIX)) {
            String path = address.substring(UNIX_PREFIX.length());
            Path p;
            try {
                p = Path.of(path);
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("named channel address has an invalid path: '" + address + "'", e);
            }
            if (path.isEmpty() || !p.isAbsolute()) {
                throw new IllegalArgumentException("named channel address needs an absolute path after '"
                        + UNIX_PREFIX + "': '" + address + "'");
            }
            return AFUNIXSocketAddress.of(p);
        }
        if (address.startsWith(ABSTRACT_PREFIX)) {
            String name = address.substring(ABSTRACT_PREFIX.length());
            if (name.isEmpty()) {
                throw new IllegalArgumentException("named channel address needs a name after '" + ABSTRACT_PREFIX + "': '"
                        + address + "'");
            }
            requireAbstractNamespace();
            return AFUNIXSocketAddress.inAbstractNamespace(name);
        }
        throw new IllegalArgumentException("named channel address must be '" + UNIX_PREFIX + "<absolute path>' or '"
                + ABSTRACT_PREFIX + "<name>', got '" + address + "'");
    }

    private static void requireAbstractNamespace() {
        if (!Platform.isLinux()) {
            throw new UnsupportedOperationException("the abstract AF_UNIX namespace exists only on Linux, not on "
                    + System.getProperty("os.name") + "; use NamedChannels.Options.DEFAULT (a socket file in a private directory)");
        }
    }

    private static AFUNIXServerSocket bind(AFUNIXSocketAddress address) throws IOException {
        AFUNIXServerSocket listener = AFUNIXServerSocket.newInstance(); // owns the listening fd
        try {
            // With reuse on, junixsocket takes over an address that is already bound (it unlinks a
            // stale socket file). A fresh private name never needs that, and silently displacing
            // somebody else's socket is the last thing a bootstrap should do.
            listener.setReuseAddress(false);
            listener.bind(address, BACKLOG);
            // junixsocket 2.11.1 on Linux passes SOCK_CLOEXEC to socket(2) (seen in strace), but it
            // sets FD_CLOEXEC after the fact elsewhere (socketpairs) and other platforms differ.
            // Check rather than trust: a listening fd leaked into a child would let that child
            // accept the connection meant for us.
            int fd = fdNumber(listener.getFileDescriptor());
            UnixHandleOps.setCloexec(fd); // sets the flag only where it is missing
            return listener;
        } catch (IOException | RuntimeException e) {
            closeQuietly(listener);
            throw e;
        }
    }

    /**
     * Takes the connected fd away from junixsocket and returns it to the caller, who owns it from
     * then on; {@code socket} is closed.
     *
     * <p>Why not simply duplicate it and close the junixsocket object: junixsocket's close() always
     * calls shutdown(SHUT_RDWR), and shutdown acts on the socket, not on one descriptor, so every
     * duplicate (ours, or a child's) would see EOF. Why not close the original number with libc:
     * junixsocket's FileDescriptor would still hold that number, and its close() or its GC cleaner
     * would later close (or shut down) whatever the kernel has reused the number for.
     *
     * <p>So: (1) duplicate with F_DUPFD_CLOEXEC, which also gives the caller's copy FD_CLOEXEC
     * atomically; (2) close the original number through a FileInputStream over junixsocket's own
     * FileDescriptor object: that is a plain close(2), no shutdown, and the JDK sets that
     * FileDescriptor to -1 in the process, so junixsocket can never reach the old number again
     * (its cleaner only acts on a valid descriptor); (3) close the junixsocket object so its
     * Java-side state is released now rather than by GC; with an invalid descriptor its shutdown
     * and close have nothing to act on. NamedChannelsTest#detachLeavesJunixsocketNoHoldOnTheOldNumber
     * shows the connection survives all three steps and a GC, and that junixsocket leaves the old
     * number alone after the kernel has reused it; an strace of connect + accept shows no
     * shutdown(2) on either connection, only on the listener.
     */
    static long detach(AFUNIXSocket socket) throws IOException {
        FileDescriptor original = socket.getFileDescriptor();
        int dup = UnixHandleOps.dupCloexec(fdNumber(original)); // owned here until returned
        try {
            new FileInputStream(original).close();
        } catch (IOException | RuntimeException e) {
            LibC.close(dup); // result ignored: the number is released either way
            throw e;
        }
        closeQuietly(socket);
        return dup;
    }

    private static int fdNumber(FileDescriptor fd) throws IOException {
        return FileDescriptorCast.using(fd).as(Integer.class);
    }

    /** Constant time, so the time a refusal takes says nothing about how much of the token matched. */
    static boolean sameToken(Id128 a, Id128 b) {
        return MessageDigest.isEqual(tokenBytes(a), tokenBytes(b));
    }

    private static byte[] tokenBytes(Id128 id) {
        return ByteBuffer.allocate(Id128.SIZE).putLong(id.high()).putLong(id.low()).array();
    }

    /** SO_TIMEOUT 0 means "forever", so a nearly expired deadline must still become at least 1 ms. */
    static int millisAtLeastOne(long nanos) {
        long ms = TimeUnit.NANOSECONDS.toMillis(nanos);
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, ms));
    }

    /** Duration.toNanos() throws beyond ~292 years; a timeout that long means "no timeout". */
    static long saturatedNanos(Duration d) {
        try {
            return Math.max(0, d.toNanos());
        } catch (ArithmeticException e) {
            return d.isNegative() ? 0 : Long.MAX_VALUE;
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            log.debug("closing {} failed", c, e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            log.debug("could not delete {}", p, e);
        }
    }

    /**
     * One listening socket, one accept.
     *
     * <p>Once acceptOne has started the accept thread, only that thread closes the listener and
     * the connections it accepts. close() merely signals it (a flag checked between short accept
     * waits; shutdown(SHUT_RD) on a connection being vetted, which wakes its blocked read) and
     * waits for it. Two reasons: closing a descriptor that another thread is blocked on or about
     * to use lets the kernel reuse the number under that thread; and junixsocket's own way of
     * waking an accept() on a listener being closed (connecting to itself) races with that
     * accept and was seen to leave the self-connection open.
     */
    static final class NamedServer implements Server {

        /** How long one accept() waits before the accept thread looks at the close flag again. */
        private static final int ACCEPT_SLICE_MS = 100;

        /** close() waits at most this long for the accept thread to finish cleaning up. */
        private static final long CLOSE_WAIT_MS = 2000;

        private final AFUNIXServerSocket listener; // owns the listening fd until cleanUp()
        private final Path directory; // null in the abstract namespace
        private final Path socketFile; // null in the abstract namespace
        private final String address;
        private final Duration prefaceTimeout;
        private final AtomicInteger refused = new AtomicInteger();

        /**
         * Decides which of a verified connection, the deadline and close() wins, exactly once, and
         * keeps close()'s shutdown of a candidate from overlapping with the accept thread closing
         * or detaching it.
         */
        private final Object lock = new Object();
        private Thread acceptThread; // guarded by lock; set once
        private boolean finished; // guarded by lock; once set, no connection is handed out
        private AFUNIXSocket candidate; // guarded by lock; the connection being vetted
        private boolean cleanedUp; // guarded by lock

        NamedServer(AFUNIXServerSocket listener, Path directory, Path socketFile, String address, Duration prefaceTimeout) {
            this.listener = listener;
            this.directory = directory;
            this.socketFile = socketFile;
            this.address = address;
            this.prefaceTimeout = prefaceTimeout;
        }

        @Override
        public String address() {
            return address;
        }

        @Override
        public int refusedCount() {
            return refused.get();
        }

        /** For tests: the listening fd number (still owned by this server). */
        int listeningFd() throws IOException {
            return fdNumber(listener.getFileDescriptor());
        }

        @Override
        public CompletableFuture<Long> acceptOne(Id128 token, Duration timeout) {
            Objects.requireNonNull(token, "token");
            Objects.requireNonNull(timeout, "timeout");
            CompletableFuture<Long> future = new CompletableFuture<>();
            synchronized (lock) {
                if (acceptThread != null) {
                    throw new IllegalStateException("acceptOne was already called on " + address
                            + "; a named channel server hands out one connection");
                }
                if (finished) {
                    return CompletableFuture.failedFuture(closedException());
                }
                long start = System.nanoTime();
                // Blocking accept and reads on a thread of its own: this runs once per child
                // launch and is over in milliseconds; an event loop would not pay for itself here.
                Thread t = new Thread(() -> run(token, start, timeout, future), ACCEPT_THREAD_NAME);
                t.setDaemon(true);
                acceptThread = t;
                // Started under the lock so close() never sees a thread that join() would ignore.
                t.start();
            }
            // A caller that gives up on the future gets the same cleanup as close().
            future.whenComplete((fd, e) -> {
                if (future.isCancelled()) {
                    close();
                }
            });
            return future;
        }

        private void run(Id128 token, long start, Duration timeout, CompletableFuture<Long> future) {
            long fd = -1;
            Throwable failure = null;
            try {
                fd = acceptVerified(token, start, timeout);
            } catch (Throwable e) {
                failure = e;
            } finally {
                synchronized (lock) {
                    finished = true;
                }
                // Before completing, so that whoever observes the future sees the name gone.
                cleanUp();
            }
            if (fd >= 0) {
                // Ownership of fd passes to the future's consumer; if the future was cancelled in
                // the meantime nobody will ever take it, so it is still ours to close.
                if (!future.complete(fd)) {
                    LibC.close(UnixHandleOps.toFd(fd)); // result ignored: the number is released either way
                }
            } else {
                future.completeExceptionally(failure != null ? failure : closedException());
            }
        }

        /** @return the verified, detached fd, or -1 when close() stopped the accept */
        private long acceptVerified(Id128 token, long start, Duration timeout) throws IOException, TimeoutException {
            long timeoutNanos = saturatedNanos(timeout);
            while (true) {
                if (isFinished()) {
                    return -1;
                }
                long remaining = timeoutNanos - (System.nanoTime() - start);
                if (remaining <= 0) {
                    throw new TimeoutException("no verified connection on " + address + " within " + timeout.toMillis()
                            + " ms; " + refused.get() + " connection(s) refused");
                }
                AFUNIXSocket conn; // owns the accepted fd until detached or closed, on this thread only
                try {
                    listener.setSoTimeout(Math.min(ACCEPT_SLICE_MS, millisAtLeastOne(remaining)));
                    conn = listener.accept();
                } catch (SocketTimeoutException e) {
                    continue;
                }
                if (conn == null) {
                    continue;
                }
                boolean vetting;
                synchronized (lock) {
                    vetting = !finished;
                    candidate = vetting ? conn : null;
                }
                if (vetting) {
                    long vetNanos = Math.min(prefaceTimeout.toNanos(), timeoutNanos - (System.nanoTime() - start));
                    String refusal = vet(conn, token, System.nanoTime(), vetNanos);
                    synchronized (lock) {
                        candidate = null;
                        if (!finished) { // else close() cut the vetting short: not a refusal
                            if (refusal == null) {
                                finished = true;
                                try {
                                    return detach(conn); // ownership moves to run(), then to the caller
                                } catch (IOException | RuntimeException e) {
                                    closeQuietly(conn);
                                    throw e;
                                }
                            }
                            refused.incrementAndGet();
                            log.debug("named channel {}: refused a connection: {}", address, refusal);
                        }
                    }
                }
                // A refused peer may be anything; shutting the connection down (junixsocket's
                // close) is exactly right for it. Outside the lock: close() no longer touches it.
                closeQuietly(conn);
            }
        }

        /** @return null when the connection proved itself, otherwise why not */
        private static String vet(AFUNIXSocket conn, Id128 token, long vetStart, long vetNanos) {
            try {
                AFUNIXSocketCredentials creds = conn.getPeerCredentials();
                long ourUid = Integer.toUnsignedLong(LibC.getuid());
                if (creds == null || creds.getUid() != ourUid) {
                    return creds == null ? "no peer credentials available"
                            : "peer uid " + creds.getUid() + " (pid " + creds.getPid() + ") is not our uid " + ourUid;
                }
                InputStream in = conn.getInputStream();
                byte[] header = new byte[FrameHeader.SIZE];
                readFully(conn, in, header, vetStart, vetNanos);
                FrameHeader h = FrameHeader.peek(ByteBuffer.wrap(header), Limits.DEFAULT);
                if (h.type() != FrameType.CONNECT) {
                    return "first frame is " + h.type() + ", expected CONNECT";
                }
                if (h.frameLength() > MAX_PREFACE_BYTES) {
                    return "CONNECT frame declares " + h.frameLength() + " bytes, a preface has at most " + MAX_PREFACE_BYTES;
                }
                byte[] rest = new byte[h.paddedLength() - FrameHeader.SIZE];
                readFully(conn, in, rest, vetStart, vetNanos);
                FrameBody body = FrameCodec.decode(h, ByteBuffer.wrap(rest, 0, h.bodyLength()));
                if (!(body instanceof FrameBody.Connect connect) || !sameToken(connect.token(), token)) {
                    return "CONNECT token does not match";
                }
                return null;
            } catch (SocketTimeoutException e) {
                return "no complete CONNECT preface within " + TimeUnit.NANOSECONDS.toMillis(vetNanos) + " ms";
            } catch (EOFException e) {
                return "peer closed the connection before completing the preface";
            } catch (ProtocolException e) {
                return "malformed preface: " + e.getMessage();
            } catch (IOException e) {
                return "reading the preface failed: " + e;
            }
        }

        /** Reads exactly {@code buf.length} bytes, never more: what follows the preface is the caller's. */
        private static void readFully(AFUNIXSocket conn, InputStream in, byte[] buf, long start, long nanos) throws IOException {
            int off = 0;
            while (off < buf.length) {
                long remaining = nanos - (System.nanoTime() - start);
                if (remaining <= 0) {
                    throw new SocketTimeoutException();
                }
                conn.setSoTimeout(millisAtLeastOne(remaining));
                int n = in.read(buf, off, buf.length - off);
                if (n < 0) {
                    throw new EOFException();
                }
                off += n;
            }
        }

        private boolean isFinished() {
            synchronized (lock) {
                return finished;
            }
        }

        /**
         * Cancels a pending accept (the future completes with a CancellationException), stops
         * listening and removes the name. Returns once that is done, unless called from the
         * accept thread itself (a callback on the future), whose outcome is then already decided.
         */
        @Override
        public void close() {
            Thread t;
            synchronized (lock) {
                finished = true;
                t = acceptThread;
                if (candidate != null) {
                    // Wakes the accept thread's blocked read. Only shut down, not closed: the fd
                    // stays valid until the accept thread, its owner, closes it.
                    try {
                        candidate.shutdownInput();
                    } catch (IOException e) {
                        log.debug("shutting down the connection being vetted on {} failed", address, e);
                    }
                }
            }
            if (t == null) {
                cleanUp(); // no accept thread: the listener is ours to close
                return;
            }
            if (t == Thread.currentThread()) {
                return;
            }
            try {
                t.join(CLOSE_WAIT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                log.warn("named channel {}: accept thread still running {} ms after close()", address, CLOSE_WAIT_MS);
            }
        }

        private CancellationException closedException() {
            return new CancellationException("named channel server on " + address + " was closed before a verified connection arrived");
        }

        /** Stops listening and removes the name; idempotent. */
        private void cleanUp() {
            synchronized (lock) {
                if (cleanedUp) {
                    return;
                }
                cleanedUp = true;
            }
            closeQuietly(listener);
            if (socketFile != null) {
                deleteQuietly(socketFile);
            }
            if (directory != null) {
                deleteQuietly(directory);
            }
        }

        @Override
        public String toString() {
            return "NamedServer[" + address + "]";
        }
    }
}

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
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.newsclub.net.unix.AFSocket;
import org.newsclub.net.unix.AFUNIXSelectorProvider;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXServerSocketChannel;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketChannel;
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

    /** Connections are accepted as fast as they come; a small backlog is enough. */
    private static final int BACKLOG = 16;

    /**
     * At most this many connections wait for their preface at once; a newer one evicts the oldest
     * (counted as a refusal). The one definition of this limit; docs/protocol.md §9 names it.
     */
    static final int MAX_PENDING_PREFACES = 16;

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
    static long detach(AFSocket<?> socket) throws IOException {
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
     * the connections it accepts. close() merely signals it (a flag, and a wake-up of the
     * selector the thread waits in) and waits for it. Two reasons: closing a descriptor that another thread is blocked on or about
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
         * keeps close()'s wake-up from reaching a selector the accept thread has closed.
         */
        private final Object lock = new Object();
        private Thread acceptThread; // guarded by lock; set once
        private boolean finished; // guarded by lock; once set, no connection is handed out
        private Selector selector; // guarded by lock; the accept thread's, while it runs
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

        /**
         * Accepts connections and reads their prefaces side by side, without blocking on any one
         * of them: a stranger that connects and says nothing holds a slot until its own preface
         * timeout, and delays nobody. At most {@link #MAX_PENDING_PREFACES} connections wait for
         * their preface at once; a newer one evicts the oldest. Ready prefaces are read before the
         * next connection is accepted, so a peer that sends its preface as it connects (as
         * {@link UnixNamedChannels#connect} does) is decided before it could be evicted.
         *
         * @return the verified, detached fd, or -1 when close() stopped the accept
         */
        private long acceptVerified(Id128 token, long start, Duration timeout) throws IOException, TimeoutException {
            long timeoutNanos = saturatedNanos(timeout);
            AFUNIXServerSocketChannel server = listener.getChannel();
            ArrayDeque<PendingPreface> pending = new ArrayDeque<>();
            try (Selector selector = AFUNIXSelectorProvider.provider().openSelector()) {
                server.configureBlocking(false);
                SelectionKey acceptKey = server.register(selector, SelectionKey.OP_ACCEPT);
                synchronized (lock) {
                    if (finished) {
                        return -1;
                    }
                    this.selector = selector;
                }
                try {
                    while (true) {
                        if (isFinished()) {
                            return -1;
                        }
                        long now = System.nanoTime();
                        long remaining = timeoutNanos - (now - start);
                        if (remaining <= 0) {
                            throw new TimeoutException("no verified connection on " + address + " within " + timeout.toMillis()
                                    + " ms; " + refused.get() + " connection(s) refused");
                        }
                        long wait = Math.min(TimeUnit.MILLISECONDS.toNanos(ACCEPT_SLICE_MS), remaining);
                        for (PendingPreface p : pending) {
                            wait = Math.min(wait, p.deadlineNanos - now);
                        }
                        selector.select(millisAtLeastOne(wait));
                        for (SelectionKey key : selector.selectedKeys()) {
                            if (key != acceptKey && key.isValid() && key.isReadable()) {
                                PendingPreface p = (PendingPreface) key.attachment();
                                PendingPreface.Verdict v = p.read(token);
                                if (v != null) {
                                    pending.remove(p);
                                    key.cancel();
                                    if (v.verified()) {
                                        for (PendingPreface other : pending) {
                                            refuse(other, "another connection proved itself first");
                                        }
                                        pending.clear();
                                        return handOut(selector, p);
                                    }
                                    refuse(p, v.refusal());
                                }
                            }
                        }
                        boolean acceptable = selector.selectedKeys().contains(acceptKey);
                        selector.selectedKeys().clear();
                        expire(pending, System.nanoTime());
                        if (acceptable) {
                            acceptOneConnection(server, selector, pending, start, timeoutNanos);
                        }
                    }
                } finally {
                    synchronized (lock) {
                        this.selector = null;
                    }
                    for (PendingPreface p : pending) {
                        closeQuietly(p.connection); // a refused or abandoned peer: shutting it down is right
                    }
                }
            }
        }

        /** Accepts one queued connection, if any, and starts reading its preface. */
        private void acceptOneConnection(AFUNIXServerSocketChannel server, Selector selector, ArrayDeque<PendingPreface> pending,
                long start, long timeoutNanos) throws IOException {
            AFUNIXSocketChannel conn = server.accept(); // owned here until pending, handed out or closed
            if (conn == null) {
                return;
            }
            try {
                String refusal = checkUid(conn);
                if (refusal != null) {
                    refused.incrementAndGet();
                    log.debug("named channel {}: refused a connection: {}", address, refusal);
                    closeQuietly(conn);
                    return;
                }
                if (pending.size() >= MAX_PENDING_PREFACES) {
                    PendingPreface oldest = pending.removeFirst();
                    refuse(oldest, "evicted: " + MAX_PENDING_PREFACES + " newer connections were awaiting their preface");
                }
                conn.configureBlocking(false);
                long now = System.nanoTime();
                long deadline = now + Math.min(prefaceTimeout.toNanos(), timeoutNanos - (now - start));
                PendingPreface p = new PendingPreface(conn, deadline);
                conn.register(selector, SelectionKey.OP_READ, p);
                pending.addLast(p);
            } catch (IOException | RuntimeException e) {
                closeQuietly(conn);
                throw e;
            }
        }

        private void expire(ArrayDeque<PendingPreface> pending, long now) {
            for (java.util.Iterator<PendingPreface> it = pending.iterator(); it.hasNext(); ) {
                PendingPreface p = it.next();
                if (now - p.deadlineNanos >= 0) {
                    it.remove();
                    refuse(p, "no complete CONNECT preface within " + prefaceTimeout.toMillis() + " ms");
                }
            }
        }

        private void refuse(PendingPreface p, String refusal) {
            refused.incrementAndGet();
            log.debug("named channel {}: refused a connection: {}", address, refusal);
            closeQuietly(p.connection); // closing also cancels its selection key
        }

        /** The verified connection leaves the selector, goes back to blocking mode and is detached. */
        private long handOut(Selector selector, PendingPreface p) throws IOException {
            synchronized (lock) {
                if (finished) { // close() won the race
                    closeQuietly(p.connection);
                    return -1;
                }
                finished = true;
            }
            try {
                selector.selectNow(); // completes the key's cancellation, which blocking mode requires
                p.connection.configureBlocking(true); // the mode is shared with the detached duplicate
                return detach(p.connection.socket()); // ownership moves to run(), then to the caller
            } catch (IOException | RuntimeException e) {
                closeQuietly(p.connection);
                throw e;
            }
        }

        /** @return null when the peer runs as our uid, otherwise why not */
        private static String checkUid(AFUNIXSocketChannel conn) {
            try {
                AFUNIXSocketCredentials creds = conn.getPeerCredentials();
                long ourUid = Integer.toUnsignedLong(LibC.getuid());
                if (creds == null || creds.getUid() != ourUid) {
                    return creds == null ? "no peer credentials available"
                            : "peer uid " + creds.getUid() + " (pid " + creds.getPid() + ") is not our uid " + ourUid;
                }
                return null;
            } catch (IOException e) {
                return "reading the peer credentials failed: " + e;
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
                if (selector != null) {
                    selector.wakeup(); // the accept thread sees the flag at once; it closes what it owns
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

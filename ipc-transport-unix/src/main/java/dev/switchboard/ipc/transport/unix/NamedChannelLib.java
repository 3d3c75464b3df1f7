package dev.switchboard.ipc.transport.unix;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.io.IOException;

/**
 * The few libc calls the named-channel bootstrap needs. Kept apart from the transport's general
 * libc binding so this piece has no compile-time dependency on it.
 */
final class NamedChannelLib {

    private NamedChannelLib() {}

    /** fcntl is variadic; declaring it so keeps the call correct on ABIs that pass varargs differently (macOS arm64). */
    private interface C extends Library {
        C INSTANCE = Native.load(Platform.C_LIBRARY_NAME, C.class);

        int getuid();

        int fcntl(int fd, int cmd, Object... arg) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    static final int F_GETFD = 1;
    static final int F_SETFD = 2;
    static final int FD_CLOEXEC = 1;

    /** Not in POSIX.1-2001, so each kernel picked its own number. -1: unknown here. */
    private static final int F_DUPFD_CLOEXEC = Platform.isLinux() ? 1030
            : Platform.isMac() ? 67
            : Platform.isFreeBSD() ? 17
            : -1;

    /** This process's real user id, as the kernel reports it in peer credentials. */
    static long getuid() {
        return Integer.toUnsignedLong(C.INSTANCE.getuid());
    }

    /**
     * A new descriptor for the same open socket, with FD_CLOEXEC set atomically so that no process
     * spawned concurrently by another thread inherits it. The caller owns the result.
     */
    static int dupCloexec(int fd) throws IOException {
        if (F_DUPFD_CLOEXEC < 0) {
            throw new UnsupportedOperationException("F_DUPFD_CLOEXEC is not known for " + System.getProperty("os.name"));
        }
        try {
            return C.INSTANCE.fcntl(fd, F_DUPFD_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw new IOException("fcntl(" + fd + ", F_DUPFD_CLOEXEC) failed: errno " + e.getErrorCode(), e);
        }
    }

    static boolean isCloexec(int fd) throws IOException {
        try {
            return (C.INSTANCE.fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
        } catch (LastErrorException e) {
            throw new IOException("fcntl(" + fd + ", F_GETFD) failed: errno " + e.getErrorCode(), e);
        }
    }

    static void setCloexec(int fd) throws IOException {
        try {
            int flags = C.INSTANCE.fcntl(fd, F_GETFD);
            C.INSTANCE.fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("fcntl(" + fd + ", F_SETFD, FD_CLOEXEC) failed: errno " + e.getErrorCode(), e);
        }
    }

    /**
     * Plain close(2): unlike closing a junixsocket object it never shuts the connection down, so
     * other copies of the socket (in this or another process) keep working. Errors are ignored:
     * after close(2) the descriptor is gone whatever it returns (EINTR included, on Linux).
     */
    static void closeQuietly(long fd) {
        if (fd < 0 || fd > Integer.MAX_VALUE) {
            return;
        }
        try {
            C.INSTANCE.close((int) fd);
        } catch (LastErrorException e) {
            // nothing left to do with it
        }
    }
}

package dev.switchboard.ipc.transport.unix;

import dev.switchboard.ipc.spi.HandleOps;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.newsclub.net.unix.FileDescriptorCast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Internal: {@link HandleOps} for POSIX file descriptors. Handles are fd numbers. */
public final class UnixHandleOps implements HandleOps {

    private static final Logger LOG = LoggerFactory.getLogger(UnixHandleOps.class);

    /**
     * Duplicates land at 3 or above. Below that they would become someone's stdin/stdout/stderr
     * if those happen to be closed, and junixsocket's FileDescriptorCast maps 0-2 to the JVM's
     * shared FileDescriptor.in/out/err objects.
     */
    private static final int LOWEST_DUPLICATE = 3;

    public UnixHandleOps() {}

    /**
     * Plain close(2). Never shutdown(2): the parent's copy of a socket it handed to a child must go
     * away without ending the child's connection, which junixsocket's own close would do.
     */
    @Override
    public void close(long handle) {
        int fd = toFd(handle);
        if (LibC.close(fd) != 0) {
            int errno = LibC.errno();
            // EINTR: Linux and macOS have released the fd already; retrying could close a reused number.
            if (errno != LibC.EINTR) {
                LOG.warn("close(fd {}) failed: {}", fd, LibC.describeErrno(errno));
            }
        }
    }

    @Override
    public long duplicate(long handle) throws IOException {
        return dupCloexec(toFd(handle));
    }

    @Override
    public long duplicate(FileDescriptor fd) throws IOException {
        // The int is only borrowed: the caller keeps fd, so nothing changes owner here.
        int n = FileDescriptorCast.using(fd).as(Integer.class);
        return dupCloexec(n);
    }

    @Override
    public FileDescriptor toFileDescriptor(long handle) {
        try {
            // Ownership of the fd moves to whoever closes the returned descriptor's stream.
            return FileDescriptorCast.unsafeUsing(toFd(handle)).as(FileDescriptor.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot wrap " + describe(handle), e);
        }
    }

    @Override
    public void setNotInheritable(long handle) throws IOException {
        setCloexec(toFd(handle));
    }

    @Override
    public String describe(long handle) {
        return "fd " + handle;
    }

    /** A new fd (>= 3) for the same open file, with FD_CLOEXEC set atomically. Caller owns it. */
    static int dupCloexec(int fd) throws IOException {
        int dup = LibC.fcntl(fd, LibC.F_DUPFD_CLOEXEC, LOWEST_DUPLICATE);
        if (dup < 0) {
            throw LibC.lastError("fcntl(fd " + fd + ", F_DUPFD_CLOEXEC)");
        }
        return dup;
    }

    static void setCloexec(int fd) throws IOException {
        int flags = LibC.fcntl(fd, LibC.F_GETFD);
        if (flags < 0) {
            throw LibC.lastError("fcntl(fd " + fd + ", F_GETFD)");
        }
        if ((flags & LibC.FD_CLOEXEC) == 0 && LibC.fcntl(fd, LibC.F_SETFD, flags | LibC.FD_CLOEXEC) < 0) {
            throw LibC.lastError("fcntl(fd " + fd + ", F_SETFD, FD_CLOEXEC)");
        }
    }

    static boolean isCloexec(int fd) throws IOException {
        int flags = LibC.fcntl(fd, LibC.F_GETFD);
        if (flags < 0) {
            throw LibC.lastError("fcntl(fd " + fd + ", F_GETFD)");
        }
        return (flags & LibC.FD_CLOEXEC) != 0;
    }

    static int toFd(long handle) {
        if (handle < 0 || handle > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("not a file descriptor: " + handle);
        }
        return (int) handle;
    }
}

package dev.switchboard.ipc.transport.unix;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.io.IOException;

/**
 * Internal: the few libc calls the channel code needs: close, dup, fcntl, socketpair, getuid. Other parts of
 * the transport bind their own functions in their own classes.
 *
 * <p>Every call returns the raw libc result; on -1 read {@link #errno()} at once (JNA keeps the
 * value per thread, so it survives until this thread's next native call).
 */
public final class LibC {

    /** Same value on Linux and macOS. */
    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    /** Linux only (it equals O_CLOEXEC on x86 and arm); macOS has no atomic flag for socketpair. */
    public static final int SOCK_CLOEXEC_LINUX = 0x80000;

    public static final int F_DUPFD = 0;
    public static final int F_GETFD = 1;
    public static final int F_SETFD = 2;
    public static final int FD_CLOEXEC = 1;
    /** 1030 on Linux, 67 on macOS. */
    public static final int F_DUPFD_CLOEXEC = Platform.isMac() ? 67 : 1030;

    public static final int EINTR = 4;
    public static final int EBADF = 9;

    static {
        Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    /**
     * fcntl is variadic. A direct-mapped prototype with a fixed third argument works on x86-64 and
     * Linux arm64 but passes the argument in the wrong place on Apple arm64, where variadic
     * arguments go on the stack; JNA's interface mapping with a varargs method handles that.
     */
    private interface Variadic extends Library {
        int fcntl(int fd, int cmd, Object... arg);
    }

    private static final Variadic VARIADIC = Native.load(Platform.C_LIBRARY_NAME, Variadic.class);

    /**
     * Where a fixed third argument is passed as a variadic one would be, fcntl is called through
     * this direct mapping: the interface mapping costs microseconds of reflection per call, and
     * every fd a channel receives takes an fcntl on the I/O thread.
     */
    private static final boolean FIXED_ARITY_FCNTL = !(Platform.isMac() && Platform.isARM());

    private static final class DirectFcntl {
        static {
            Native.register(DirectFcntl.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
        }

        static native int fcntl(int fd, int cmd, int arg);
    }

    private LibC() {}

    public static native int close(int fd);

    public static native int dup(int fd);

    public static native int socketpair(int domain, int type, int protocol, int[] sv);

    public static native int getuid();

    public static int fcntl(int fd, int cmd) {
        // an unused third argument is harmless to the commands that take none
        return FIXED_ARITY_FCNTL ? DirectFcntl.fcntl(fd, cmd, 0) : VARIADIC.fcntl(fd, cmd);
    }

    public static int fcntl(int fd, int cmd, int arg) {
        return FIXED_ARITY_FCNTL ? DirectFcntl.fcntl(fd, cmd, arg) : VARIADIC.fcntl(fd, cmd, arg);
    }

    /** errno of this thread's last native call through JNA. */
    public static int errno() {
        return Native.getLastError();
    }

    /** e.g. {@code "errno 9 (Bad file descriptor)"}. */
    public static String describeErrno(int errno) {
        String text;
        try {
            text = Strerror.INSTANCE.strerror(errno);
        } catch (RuntimeException | LinkageError e) {
            text = "?";
        }
        return "errno " + errno + " (" + text + ")";
    }

    /** An IOException for a failed call, read from {@link #errno()}; call right after the failing call. */
    public static IOException lastError(String what) {
        return new IOException(what + " failed: " + describeErrno(errno()));
    }

    private interface Strerror extends Library {
        Strerror INSTANCE = Native.load(Platform.C_LIBRARY_NAME, Strerror.class);

        /** glibc and macOS return a pointer to a constant string for known values; JNA copies it. */
        String strerror(int errnum);
    }
}

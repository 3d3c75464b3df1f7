package dev.switchboard.ipc.transport.unix;

import com.sun.jna.Platform;
import java.io.IOException;

/**
 * A socket call failed with {@link #errno()}. The channel decides what to do from the number,
 * never from the text.
 */
final class SocketErrno extends IOException {

    private static final long serialVersionUID = 1L;

    static final int EINTR = 4;
    static final int EPIPE = 32;
    static final int EAGAIN = Platform.isMac() ? 35 : 11;
    static final int ECONNRESET = Platform.isMac() ? 54 : 104;

    private final int errno;

    SocketErrno(String call, int errno) {
        super(call + " failed: " + LibC.describeErrno(errno));
        this.errno = errno;
    }

    int errno() {
        return errno;
    }

    /** EPIPE or ECONNRESET: the other end is closed, for writing at least. */
    boolean isPeerGone() {
        return errno == EPIPE || errno == ECONNRESET;
    }
}

package dev.switchboard.ipc.transport.unix;

import com.sun.jna.Platform;
import java.io.IOException;

/** Internal: connected AF_UNIX stream socket pairs made with libc, not junixsocket. */
public final class UnixSocketPairs {

    private UnixSocketPairs() {}

    /**
     * A connected pair, both ends FD_CLOEXEC. The caller owns both fds.
     *
     * <p>libc rather than junixsocket's AFUNIXSocketPair: junixsocket's close always shuts the
     * socket down, so the parent could not close its copy of the end it gives a child without
     * ending the child's connection. Raw fds can be closed with plain close(2).
     */
    public static long[] create() throws IOException {
        int[] sv = new int[2];
        boolean linux = !Platform.isMac();
        int type = LibC.SOCK_STREAM | (linux ? LibC.SOCK_CLOEXEC_LINUX : 0);
        if (LibC.socketpair(LibC.AF_UNIX, type, 0, sv) != 0) {
            throw LibC.lastError("socketpair(AF_UNIX, SOCK_STREAM)");
        }
        if (!linux) {
            // macOS has no SOCK_CLOEXEC: a process spawned by another thread in this window could
            // inherit the pair, unless that spawner uses POSIX_SPAWN_CLOEXEC_DEFAULT.
            try {
                UnixHandleOps.setCloexec(sv[0]);
                UnixHandleOps.setCloexec(sv[1]);
            } catch (IOException e) {
                LibC.close(sv[0]);
                LibC.close(sv[1]);
                throw e;
            }
        }
        // Both fds now belong to the caller.
        return new long[] {sv[0], sv[1]};
    }
}

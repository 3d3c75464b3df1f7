package dev.switchboard.ipc.transport.unix;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;

/**
 * Non-blocking send and receive on a stream socket's fd, straight through libc's sendmsg and
 * recvmsg, with SCM_RIGHTS descriptors.
 *
 * <p>Why not junixsocket's read and write: its ancillary receive buffer is capped at 60 fds and a
 * larger batch loses the descriptors the kernel has already installed in this process; and a write
 * that fails with EPIPE or ECONNRESET makes it close the socket, and with it everything the peer
 * sent that has not been read yet. Here every installed fd is reported, whatever else went wrong,
 * and errors come back as errno numbers ({@link SocketErrno}) for the channel to act on.
 *
 * <p>Struct layouts are those of LP64 Linux and macOS (the only targets of this transport).
 */
final class SocketIo {

    private static final boolean MAC = Platform.isMac();

    static final int MSG_DONTWAIT = MAC ? 0x80 : 0x40;
    /** Linux: no SIGPIPE for a write to a closed peer (the JVM ignores SIGPIPE anyway). macOS has no such flag. */
    static final int MSG_NOSIGNAL = MAC ? 0 : 0x4000;
    static final int MSG_CTRUNC = MAC ? 0x20 : 0x8;
    /** Linux: received fds are close-on-exec from the start. macOS has no such flag; see {@link #receive}. */
    static final int MSG_CMSG_CLOEXEC = MAC ? 0 : 0x40000000;
    static final int SOL_SOCKET = MAC ? 0xffff : 1;
    static final int SCM_RIGHTS = 1;
    /** The most descriptors the Linux kernel passes with one sendmsg (include/net/scm.h). */
    static final int SCM_MAX_FD = 253;

    // struct msghdr
    private static final int MSG_NAME = 0;
    private static final int MSG_NAMELEN = 8;
    private static final int MSG_IOV = 16;
    private static final int MSG_IOVLEN = 24;
    private static final int MSG_CONTROL = 32;
    private static final int MSG_CONTROLLEN = 40;
    private static final int MSG_FLAGS = MAC ? 44 : 48;
    private static final int MSGHDR_BYTES = 56;
    // struct iovec
    private static final int IOVEC_BYTES = 16;
    // struct cmsghdr: Linux size_t len, int level, int type; macOS socklen_t len, int level, int type
    private static final int CMSG_HEADER = MAC ? 12 : 16;
    private static final int CMSG_ALIGN = MAC ? 4 : 8;

    /** Room for the largest batch the kernel can send, so a receive is never truncated by our buffer. */
    static final int CONTROL_BYTES = cmsgSpace(SCM_MAX_FD * Integer.BYTES) + cmsgSpace(64);

    private static final int IOV_AT = MSGHDR_BYTES;
    private static final int CONTROL_AT = IOV_AT + IOVEC_BYTES;

    /** msghdr, iovec and control data of this thread's calls (senders write on their own threads). */
    private static final ThreadLocal<Memory> SCRATCH = ThreadLocal.withInitial(() -> new Memory(CONTROL_AT + CONTROL_BYTES));

    static {
        Native.register(SocketIo.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private static native long send(int fd, Pointer buf, long len, int flags);

    private static native long sendmsg(int fd, Pointer msg, int flags);

    private static native long recvmsg(int fd, Pointer msg, int flags);

    private SocketIo() {}

    /** What one receive delivered besides bytes. */
    static final class Control {
        /** Every descriptor the kernel installed in this process with the read; the caller owns them. */
        int[] fds = ReceivedFds.NO_FDS;
        /** MSG_CTRUNC: the kernel had more control data than fitted. */
        boolean truncated;
        /** Control messages other than SCM_RIGHTS, e.g. credentials; never expected. */
        int foreign;

        void clear() {
            fds = ReceivedFds.NO_FDS;
            truncated = false;
            foreign = 0;
        }
    }

    /**
     * One non-blocking recvmsg of up to {@code length} bytes into native memory at {@code address}.
     *
     * @param out receives the descriptors and flags; filled even when this throws
     * @return bytes read, 0 at end of stream, -1 when nothing is there yet
     * @throws SocketErrno for any other failure, ECONNRESET included
     */
    static int receive(int fd, long address, int length, Control out) throws SocketErrno {
        out.clear();
        Memory m = SCRATCH.get();
        m.setPointer(MSG_NAME, null);
        m.setInt(MSG_NAMELEN, 0);
        m.setPointer(MSG_IOV, m.share(IOV_AT));
        setSize(m, MSG_IOVLEN, 1);
        m.setPointer(MSG_CONTROL, m.share(CONTROL_AT));
        setSize(m, MSG_CONTROLLEN, CONTROL_BYTES);
        m.setInt(MSG_FLAGS, 0);
        m.setPointer(IOV_AT, new Pointer(address));
        m.setLong(IOV_AT + 8, length);
        long n;
        do {
            n = recvmsg(fd, m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        } while (n < 0 && LibC.errno() == SocketErrno.EINTR);
        if (n < 0) {
            int errno = LibC.errno();
            if (errno == SocketErrno.EAGAIN) {
                return -1;
            }
            throw new SocketErrno("recvmsg", errno);
        }
        readControl(m, out);
        return (int) n;
    }

    /** Walks every control message the kernel returned and collects every descriptor in it. */
    private static void readControl(Memory m, Control out) {
        out.truncated = (m.getInt(MSG_FLAGS) & MSG_CTRUNC) != 0;
        long controlLength = MAC ? m.getInt(MSG_CONTROLLEN) & 0xffffffffL : m.getLong(MSG_CONTROLLEN);
        int end = (int) Math.min(controlLength, CONTROL_BYTES);
        int[] fds = ReceivedFds.NO_FDS;
        int at = 0;
        while (at + CMSG_HEADER <= end) {
            long len = MAC ? m.getInt(CONTROL_AT + at) & 0xffffffffL : m.getLong(CONTROL_AT + at);
            if (len < CMSG_HEADER || at + len > end) {
                break;
            }
            int level = m.getInt(CONTROL_AT + at + (MAC ? 4 : 8));
            int type = m.getInt(CONTROL_AT + at + (MAC ? 8 : 12));
            if (level == SOL_SOCKET && type == SCM_RIGHTS) {
                int count = (int) ((len - CMSG_HEADER) / Integer.BYTES);
                int[] more = m.getIntArray(CONTROL_AT + at + CMSG_HEADER, count);
                int[] all = new int[fds.length + count];
                System.arraycopy(fds, 0, all, 0, fds.length);
                System.arraycopy(more, 0, all, fds.length, count);
                fds = all;
            } else {
                out.foreign++;
            }
            at += align((int) len);
        }
        if (MAC) {
            for (int fd : fds) {
                try {
                    UnixHandleOps.setCloexec(fd); // not atomic there: no MSG_CMSG_CLOEXEC
                } catch (java.io.IOException ignored) {
                    // the fd is still reported, and closed or handed on like any other
                }
            }
        }
        out.fds = fds;
    }

    /**
     * One non-blocking send of {@code data} (a direct buffer, from its position to its limit),
     * with {@code fds} attached when there are any. Never raises SIGPIPE.
     *
     * @return bytes written; 0 when the socket buffer is full (the fds did not go either)
     * @throws SocketErrno for any other failure; {@link SocketErrno#isPeerGone()} for EPIPE and ECONNRESET
     */
    static int send(int fd, ByteBuffer data, int[] fds) throws SocketErrno {
        if (!data.isDirect()) {
            throw new IllegalArgumentException("send needs a direct buffer"); // a heap array has no stable address
        }
        Pointer base = new Pointer(Pointer.nativeValue(Native.getDirectBufferPointer(data)) + data.position());
        int length = data.remaining();
        long n;
        if (fds == null || fds.length == 0) {
            do {
                n = send(fd, base, length, MSG_DONTWAIT | MSG_NOSIGNAL);
            } while (n < 0 && LibC.errno() == SocketErrno.EINTR);
        } else {
            Memory m = SCRATCH.get();
            m.setPointer(MSG_NAME, null);
            m.setInt(MSG_NAMELEN, 0);
            m.setPointer(MSG_IOV, m.share(IOV_AT));
            setSize(m, MSG_IOVLEN, 1);
            int dataBytes = fds.length * Integer.BYTES;
            m.setPointer(MSG_CONTROL, m.share(CONTROL_AT));
            setSize(m, MSG_CONTROLLEN, cmsgSpace(dataBytes));
            m.setInt(MSG_FLAGS, 0);
            m.setPointer(IOV_AT, base);
            m.setLong(IOV_AT + 8, length);
            if (MAC) {
                m.setInt(CONTROL_AT, CMSG_HEADER + dataBytes);
                m.setInt(CONTROL_AT + 4, SOL_SOCKET);
                m.setInt(CONTROL_AT + 8, SCM_RIGHTS);
            } else {
                m.setLong(CONTROL_AT, CMSG_HEADER + dataBytes);
                m.setInt(CONTROL_AT + 8, SOL_SOCKET);
                m.setInt(CONTROL_AT + 12, SCM_RIGHTS);
            }
            m.write(CONTROL_AT + CMSG_HEADER, fds, 0, fds.length);
            do {
                n = sendmsg(fd, m, MSG_DONTWAIT | MSG_NOSIGNAL);
            } while (n < 0 && LibC.errno() == SocketErrno.EINTR);
        }
        if (n < 0) {
            int errno = LibC.errno();
            if (errno == SocketErrno.EAGAIN) {
                return 0;
            }
            throw new SocketErrno(fds == null || fds.length == 0 ? "send" : "sendmsg", errno);
        }
        return (int) n;
    }

    /** size_t on Linux, int or socklen_t on macOS (iovlen, controllen). */
    private static void setSize(Memory m, int offset, long value) {
        if (MAC) {
            m.setInt(offset, (int) value);
        } else {
            m.setLong(offset, value);
        }
    }

    private static int align(int n) {
        return (n + CMSG_ALIGN - 1) & -CMSG_ALIGN;
    }

    private static int cmsgSpace(int dataBytes) {
        return align(CMSG_HEADER) + align(dataBytes);
    }
}

package dev.switchboard.ipc.transport.unix;

import static dev.switchboard.ipc.transport.unix.SandboxLib.LIB;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import dev.switchboard.ipc.spi.SandboxOps;
import java.io.IOException;
import java.net.SocketTimeoutException;

/**
 * {@link SandboxOps} on Linux through libc: SOCK_SEQPACKET socketpairs, {@code sendmsg} /
 * {@code recvmsg} with SCM_RIGHTS, {@code poll}, {@code pipe2} and {@code memfd_create}.
 *
 * <p>Why libc and not junixsocket here: {@code recvmsg} must be called with
 * {@code MSG_CMSG_CLOEXEC} (junixsocket leaves received fds inheritable), and the caller must learn
 * about {@code MSG_TRUNC} / {@code MSG_CTRUNC} (junixsocket silently drops the rest of a datagram,
 * and throws on too many fds after the kernel already installed them).
 *
 * <p>Stateless and thread-safe; scratch memory is per thread.
 */
final class UnixSandboxOps implements SandboxOps {

    /** Grows as needed and stays with the thread: the handler thread and client callers reuse it. */
    private static final ThreadLocal<Memory[]> SCRATCH = ThreadLocal.withInitial(() -> new Memory[1]);

    @Override
    public long[] seqPacketPair() throws IOException {
        int[] sv = new int[2];
        try {
            LIB.socketpair(SandboxLib.AF_UNIX, SandboxLib.SOCK_SEQPACKET | SandboxLib.SOCK_CLOEXEC, 0, sv);
        } catch (LastErrorException e) {
            throw new IOException("socketpair(AF_UNIX, SOCK_SEQPACKET) failed: " + SandboxLib.describe(e), e);
        }
        return new long[] {sv[0], sv[1]};
    }

    @Override
    public void shutdown(long fd, boolean read, boolean write) throws IOException {
        if (!read && !write) {
            return;
        }
        int how = read && write ? SandboxLib.SHUT_RDWR : read ? SandboxLib.SHUT_RD : SandboxLib.SHUT_WR;
        try {
            LIB.shutdown(toInt(fd), how);
        } catch (LastErrorException e) {
            throw new IOException("shutdown(" + fd + ", " + how + ") failed: " + SandboxLib.describe(e), e);
        }
    }

    @Override
    public long[] pipe() throws IOException {
        int[] fds = new int[2];
        try {
            LIB.pipe2(fds, SandboxLib.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("pipe2 failed: " + SandboxLib.describe(e), e);
        }
        return new long[] {fds[0], fds[1]};
    }

    @Override
    public SocketKind socketKind(long fd) throws IOException {
        IntByReference type = new IntByReference();
        IntByReference len = new IntByReference(4);
        try {
            LIB.getsockopt(toInt(fd), SandboxLib.SOL_SOCKET, SandboxLib.SO_TYPE, type, len);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == SandboxLib.ENOTSOCK) {
                return SocketKind.NOT_A_SOCKET;
            }
            throw new IOException("getsockopt(" + fd + ", SO_TYPE) failed: " + SandboxLib.describe(e), e);
        }
        switch (type.getValue()) {
            case SandboxLib.SOCK_SEQPACKET:
                return SocketKind.SEQPACKET;
            case SandboxLib.SOCK_STREAM:
                return SocketKind.STREAM;
            case SandboxLib.SOCK_DGRAM:
                return SocketKind.DATAGRAM;
            default:
                return SocketKind.OTHER;
        }
    }

    @Override
    public void send(long fd, byte[] data, long[] fds, long timeoutMillis) throws IOException {
        int fdBytes = fds.length * 4;
        int control = fds.length == 0 ? 0 : SandboxLib.cmsgSpace(fdBytes);
        int iovAt = SandboxLib.MSGHDR_SIZE;
        int controlAt = iovAt + SandboxLib.IOVEC_SIZE;
        int dataAt = controlAt + control;
        Memory m = scratch(dataAt + Math.max(1, data.length));
        m.clear(dataAt);
        m.write(dataAt, data, 0, data.length);
        m.setPointer(iovAt, m.share(dataAt));
        m.setLong(iovAt + 8, data.length);
        m.setPointer(SandboxLib.MSG_IOV, m.share(iovAt));
        m.setLong(SandboxLib.MSG_IOVLEN, 1);
        if (control > 0) {
            m.setLong(controlAt, SandboxLib.CMSG_HEADER + fdBytes); // CMSG_LEN
            m.setInt(controlAt + 8, SandboxLib.SOL_SOCKET);
            m.setInt(controlAt + 12, SandboxLib.SCM_RIGHTS);
            for (int i = 0; i < fds.length; i++) {
                m.setInt(controlAt + SandboxLib.CMSG_HEADER + 4L * i, toInt(fds[i]));
            }
            m.setPointer(SandboxLib.MSG_CONTROL, m.share(controlAt));
            m.setLong(SandboxLib.MSG_CONTROLLEN, control);
        }
        long deadline = timeoutMillis > 0 ? System.nanoTime() + timeoutMillis * 1_000_000 : 0;
        int ifd = toInt(fd);
        while (true) {
            try {
                // DONTWAIT per call, not O_NONBLOCK: the shared socket's file description (and so
                // its flags) is shared by every sandboxed child. NOSIGNAL: a dead peer is an error
                // to report, not a SIGPIPE.
                LIB.sendmsg(ifd, m, SandboxLib.MSG_DONTWAIT | SandboxLib.MSG_NOSIGNAL);
                return;
            } catch (LastErrorException e) {
                if (e.getErrorCode() == SandboxLib.EINTR) {
                    continue;
                }
                if (e.getErrorCode() != SandboxLib.EAGAIN) {
                    throw new IOException("sendmsg(" + fd + ") failed: " + SandboxLib.describe(e), e);
                }
            }
            // No room: on a socketpair the kernel only limits the sender's buffer, and poll's
            // POLLOUT reflects exactly that, so waiting for it does not spin.
            long waitMillis;
            if (timeoutMillis == 0) {
                throw new SocketTimeoutException("no room in the send buffer of fd " + fd);
            } else if (timeoutMillis < 0) {
                waitMillis = -1;
            } else {
                waitMillis = remainingMillis(deadline);
                if (waitMillis == 0) {
                    throw new SocketTimeoutException("no room in the send buffer of fd " + fd + " within "
                            + timeoutMillis + " ms");
                }
            }
            pollOne(ifd, SandboxLib.POLLOUT, waitMillis);
        }
    }

    @Override
    public Packet receive(long fd, int maxBytes, int maxFds) throws IOException {
        if (maxBytes < 0 || maxFds < 0) {
            throw new IllegalArgumentException("maxBytes and maxFds must not be negative");
        }
        int control = maxFds == 0 ? 0 : SandboxLib.cmsgSpace(4 * maxFds);
        int iovAt = SandboxLib.MSGHDR_SIZE;
        int controlAt = iovAt + SandboxLib.IOVEC_SIZE;
        int dataAt = controlAt + control;
        Memory m = scratch(dataAt + Math.max(1, maxBytes));
        m.clear(dataAt);
        m.setPointer(iovAt, m.share(dataAt));
        m.setLong(iovAt + 8, maxBytes);
        m.setPointer(SandboxLib.MSG_IOV, m.share(iovAt));
        m.setLong(SandboxLib.MSG_IOVLEN, 1);
        if (control > 0) {
            m.setPointer(SandboxLib.MSG_CONTROL, m.share(controlAt));
            m.setLong(SandboxLib.MSG_CONTROLLEN, control);
        }
        long n;
        int ifd = toInt(fd);
        while (true) {
            try {
                n = LIB.recvmsg(ifd, m, SandboxLib.MSG_DONTWAIT | SandboxLib.MSG_CMSG_CLOEXEC);
                break;
            } catch (LastErrorException e) {
                if (e.getErrorCode() == SandboxLib.EINTR) {
                    continue;
                }
                if (e.getErrorCode() == SandboxLib.EAGAIN) {
                    return null;
                }
                throw new IOException("recvmsg(" + fd + ") failed: " + SandboxLib.describe(e), e);
            }
        }
        // From here on the kernel has installed descriptors in this process: collect every one
        // before anything else can throw, so the caller gets (and closes) them all.
        long[] received = collectFds(m, controlAt, m.getLong(SandboxLib.MSG_CONTROLLEN));
        int flags = m.getInt(SandboxLib.MSG_FLAGS);
        byte[] data = m.getByteArray(dataAt, (int) Math.min(n, maxBytes));
        return new Packet(data, received, (flags & SandboxLib.MSG_TRUNC) != 0, (flags & SandboxLib.MSG_CTRUNC) != 0);
    }

    @Override
    public int[] await(long[] fds, long timeoutMillis) throws IOException {
        int n = fds.length;
        Memory p = new Memory(8L * Math.max(1, n));
        for (int i = 0; i < n; i++) {
            p.setInt(8L * i, toInt(fds[i]));
            p.setShort(8L * i + 4, SandboxLib.POLLIN);
            p.setShort(8L * i + 6, (short) 0);
        }
        long deadline = timeoutMillis > 0 ? System.nanoTime() + timeoutMillis * 1_000_000 : 0;
        long wait = timeoutMillis;
        int[] result = new int[n];
        while (true) {
            int ready;
            try {
                ready = LIB.poll(p, n, (int) Math.min(wait, Integer.MAX_VALUE));
            } catch (LastErrorException e) {
                if (e.getErrorCode() == SandboxLib.EINTR) {
                    wait = timeoutMillis > 0 ? remainingMillis(deadline) : timeoutMillis;
                    continue;
                }
                throw new IOException("poll failed: " + SandboxLib.describe(e), e);
            }
            if (ready == 0) {
                return result;
            }
            for (int i = 0; i < n; i++) {
                short revents = p.getShort(8L * i + 6);
                int bits = 0;
                if ((revents & SandboxLib.POLLIN) != 0) {
                    bits |= READABLE;
                }
                if ((revents & (SandboxLib.POLLHUP | SandboxLib.POLLERR)) != 0) {
                    bits |= HANGUP;
                }
                if ((revents & SandboxLib.POLLNVAL) != 0) {
                    bits |= INVALID;
                }
                result[i] = bits;
            }
            return result;
        }
    }

    @Override
    public long createSharedMemory(String name, long size, boolean executable) throws IOException {
        if (size <= 0) {
            throw new IllegalArgumentException("size must be positive: " + size);
        }
        int base = SandboxLib.MFD_CLOEXEC | SandboxLib.MFD_ALLOW_SEALING;
        int fd;
        try {
            fd = LIB.memfd_create(name, base | (executable ? SandboxLib.MFD_EXEC : SandboxLib.MFD_NOEXEC_SEAL));
        } catch (LastErrorException e) {
            if (e.getErrorCode() != SandboxLib.EINVAL) {
                throw new IOException("memfd_create failed: " + SandboxLib.describe(e), e);
            }
            // kernels before 6.3 know neither MFD_EXEC nor MFD_NOEXEC_SEAL; every memfd there is
            // mappable executable (tmpfs is not mounted noexec)
            try {
                fd = LIB.memfd_create(name, base);
            } catch (LastErrorException again) {
                throw new IOException("memfd_create failed: " + SandboxLib.describe(again), again);
            }
        }
        try {
            LIB.ftruncate(fd, size);
            // Sealed size: the segment is shared with a sandboxed (untrusted) process, and a file
            // shrunk under someone else's mapping turns their next access into SIGBUS. Not
            // F_SEAL_SEAL: the receiver's SharedBuffer.readOnlyCopy() adds F_SEAL_FUTURE_WRITE.
            LIB.fcntl(fd, SandboxLib.F_ADD_SEALS, SandboxLib.F_SEAL_SHRINK | SandboxLib.F_SEAL_GROW);
            return fd;
        } catch (LastErrorException e) {
            closeQuietly(fd);
            throw new IOException("cannot size or seal a " + size + "-byte memfd: " + SandboxLib.describe(e), e);
        }
    }

    // ------------------------------------------------------------------ helpers

    private static long[] collectFds(Memory m, int controlAt, long controlLen) {
        long[] out = new long[0];
        long at = 0;
        while (at + SandboxLib.CMSG_HEADER <= controlLen) {
            long len = m.getLong(controlAt + at);
            if (len < SandboxLib.CMSG_HEADER || at + len > controlLen) {
                break;
            }
            int level = m.getInt(controlAt + at + 8);
            int type = m.getInt(controlAt + at + 12);
            if (level == SandboxLib.SOL_SOCKET && type == SandboxLib.SCM_RIGHTS) {
                int count = (int) ((len - SandboxLib.CMSG_HEADER) / 4);
                long[] more = new long[out.length + count];
                System.arraycopy(out, 0, more, 0, out.length);
                for (int i = 0; i < count; i++) {
                    more[out.length + i] = m.getInt(controlAt + at + SandboxLib.CMSG_HEADER + 4L * i);
                }
                out = more;
            }
            at += (len + 7) & ~7L;
        }
        return out;
    }

    /** Waits for {@code events} on one fd; returns on readiness, hang-up or timeout alike. */
    private static void pollOne(int fd, short events, long timeoutMillis) throws IOException {
        Memory p = new Memory(8);
        p.setInt(0, fd);
        p.setShort(4, events);
        p.setShort(6, (short) 0);
        try {
            LIB.poll(p, 1, (int) Math.min(timeoutMillis, Integer.MAX_VALUE));
        } catch (LastErrorException e) {
            if (e.getErrorCode() != SandboxLib.EINTR) {
                throw new IOException("poll(" + fd + ") failed: " + SandboxLib.describe(e), e);
            }
        }
    }

    private static long remainingMillis(long deadlineNanos) {
        long left = deadlineNanos - System.nanoTime();
        return left <= 0 ? 0 : Math.max(1, (left + 999_999) / 1_000_000);
    }

    private static Memory scratch(long size) {
        Memory[] slot = SCRATCH.get();
        if (slot[0] == null || slot[0].size() < size) {
            if (slot[0] != null) {
                slot[0].close();
            }
            slot[0] = new Memory(Math.max(size, 4096));
        }
        return slot[0];
    }

    private static int toInt(long fd) {
        if (fd < 0 || fd > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("not a file descriptor: " + fd);
        }
        return (int) fd;
    }

    static void closeQuietly(long fd) {
        if (fd < 0 || fd > Integer.MAX_VALUE) {
            return;
        }
        try {
            LIB.close((int) fd);
        } catch (LastErrorException ignored) {
            // the descriptor is gone whatever close returned
        }
    }
}

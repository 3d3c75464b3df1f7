package dev.switchboard.ipc.transport.unix;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

/**
 * The libc calls the sandbox IPC channel needs ({@link UnixSandboxOps}). Linux on LP64 only
 * (x86_64, aarch64): the constants are the asm-generic ones, which x86_64 shares for everything
 * used here, and {@code long} stands for size_t/ssize_t/nfds_t. Kept in its own file so it does
 * not depend on, or collide with, the transport's general libc binding; the two can be merged
 * later.
 *
 * <p>Every call throws {@link LastErrorException} carrying errno when it fails.
 */
interface SandboxLib extends Library {

    SandboxLib LIB = Native.load(Platform.C_LIBRARY_NAME, SandboxLib.class);

    int AF_UNIX = 1;
    int SOCK_STREAM = 1;
    int SOCK_DGRAM = 2;
    int SOCK_SEQPACKET = 5;
    int SOCK_CLOEXEC = 02000000;
    int O_CLOEXEC = 02000000;

    int SHUT_RD = 0;
    int SHUT_WR = 1;
    int SHUT_RDWR = 2;

    int SOL_SOCKET = 1;
    int SO_TYPE = 3;
    int SCM_RIGHTS = 1;

    int MSG_CTRUNC = 0x8;
    int MSG_TRUNC = 0x20;
    int MSG_DONTWAIT = 0x40;
    int MSG_NOSIGNAL = 0x4000;
    /** Received descriptors get FD_CLOEXEC atomically, inside recvmsg. */
    int MSG_CMSG_CLOEXEC = 0x40000000;

    short POLLIN = 0x1;
    short POLLOUT = 0x4;
    short POLLERR = 0x8;
    short POLLHUP = 0x10;
    short POLLNVAL = 0x20;

    int EINTR = 4;
    int EAGAIN = 11;
    int EINVAL = 22;
    int ENOTSOCK = 88;

    int MFD_CLOEXEC = 0x1;
    int MFD_ALLOW_SEALING = 0x2;
    /** Linux 6.3+: not executable, and sealed so it never becomes so. */
    int MFD_NOEXEC_SEAL = 0x8;
    /** Linux 6.3+: explicitly executable (needed when vm.memfd_noexec=1 makes noexec the default). */
    int MFD_EXEC = 0x10;

    int F_ADD_SEALS = 1033;
    int F_SEAL_SEAL = 0x1;
    int F_SEAL_SHRINK = 0x2;
    int F_SEAL_GROW = 0x4;

    // struct msghdr (56 bytes): name@0, namelen@8, iov@16, iovlen@24, control@32, controllen@40, flags@48
    int MSGHDR_SIZE = 56;
    int MSG_IOV = 16;
    int MSG_IOVLEN = 24;
    int MSG_CONTROL = 32;
    int MSG_CONTROLLEN = 40;
    int MSG_FLAGS = 48;
    // struct iovec (16 bytes): base@0, len@8
    int IOVEC_SIZE = 16;
    // struct cmsghdr: size_t len@0, int level@8, int type@12, data@16 (CMSG_ALIGN is 8)
    int CMSG_HEADER = 16;

    int socketpair(int domain, int type, int protocol, int[] sv) throws LastErrorException;

    int shutdown(int fd, int how) throws LastErrorException;

    int pipe2(int[] fds, int flags) throws LastErrorException;

    int getsockopt(int fd, int level, int name, IntByReference value, IntByReference length) throws LastErrorException;

    long sendmsg(int fd, Pointer msghdr, int flags) throws LastErrorException;

    long recvmsg(int fd, Pointer msghdr, int flags) throws LastErrorException;

    /** {@code fds} points to {@code nfds} 8-byte struct pollfd {int fd; short events; short revents;}. */
    int poll(Pointer fds, long nfds, int timeoutMillis) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    /** glibc 2.27+. */
    int memfd_create(String name, int flags) throws LastErrorException;

    int ftruncate(int fd, long length) throws LastErrorException;

    /** Variadic in C. */
    int fcntl(int fd, int cmd, Object... arg) throws LastErrorException;

    String strerror(int errnum);

    static int cmsgSpace(int dataBytes) {
        return CMSG_HEADER + ((dataBytes + 7) & ~7);
    }

    /** e.g. {@code "Broken pipe (errno 32)"}. */
    static String describe(LastErrorException e) {
        int errno = e.getErrorCode();
        String text;
        try {
            text = LIB.strerror(errno);
        } catch (RuntimeException | LinkageError ignored) {
            text = null;
        }
        return (text == null ? "error" : text) + " (errno " + errno + ")";
    }
}

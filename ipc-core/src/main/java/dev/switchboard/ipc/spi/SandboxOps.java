package dev.switchboard.ipc.spi;

import java.io.IOException;

/**
 * Transport SPI: the OS operations behind the sandbox IPC channel (docs/sandbox-ipc.md): SOCK_SEQPACKET
 * socketpairs, one-packet sends and receives with SCM_RIGHTS, waiting on several descriptors, a
 * lifeline pipe and shared-memory files. A transport that has them returns an implementation from
 * {@link Transport#sandboxOps()}; so far only the Unix transport on Linux does.
 *
 * <p>Descriptors cross as raw {@code long} values. A method that returns descriptors gives them to
 * the caller, who must close them; a method that is given descriptors only borrows them for the
 * duration of the call. Every descriptor this interface creates has FD_CLOEXEC set atomically, so
 * a process spawned concurrently by another thread never inherits one by accident.
 */
public interface SandboxOps {

    /** {@link #await} result bit: data (or end of file) can be read without blocking. */
    int READABLE = 1;
    /** {@link #await} result bit: the peer hung up or the descriptor reports an error. */
    int HANGUP = 2;
    /** {@link #await} result bit: the value is not an open descriptor. */
    int INVALID = 4;

    /** What {@link #socketKind} found. */
    enum SocketKind {
        NOT_A_SOCKET, SEQPACKET, STREAM, DATAGRAM, OTHER
    }

    /**
     * One packet as {@link #receive} read it. The caller owns every descriptor in {@code fds},
     * including those of a packet it then rejects.
     *
     * @param data          the bytes received, at most the {@code maxBytes} asked for
     * @param fds           descriptors that came with it (SCM_RIGHTS), FD_CLOEXEC already set
     * @param truncated     the packet was longer than {@code maxBytes}; the rest is gone
     * @param fdsTruncated  more descriptors were sent than there was room for; the kernel closed
     *                      the ones that did not fit
     */
    record Packet(byte[] data, long[] fds, boolean truncated, boolean fdsTruncated) {}

    /**
     * {@code socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC)}. The caller owns both ends.
     */
    long[] seqPacketPair() throws IOException;

    /** {@code shutdown(2)} of one or both directions; the descriptor stays open. */
    void shutdown(long fd, boolean read, boolean write) throws IOException;

    /** {@code pipe2(O_CLOEXEC)}: {@code [readEnd, writeEnd]}, both owned by the caller. */
    long[] pipe() throws IOException;

    /** Whether {@code fd} is a socket and of which type ({@code SO_TYPE}). Borrows {@code fd}. */
    SocketKind socketKind(long fd) throws IOException;

    /**
     * Sends {@code data} as one packet with {@code fds} attached (none when empty). The
     * descriptors stay owned by the caller: the kernel has taken its own reference once this
     * returns, so the caller may close them at once.
     *
     * @param timeoutMillis how long to wait for room in the socket's send buffer: 0 = not at all,
     *                      negative = for ever
     * @throws java.net.SocketTimeoutException when there was no room in time
     * @throws IOException                     when the peer is gone (EPIPE, ECONNRESET) or the
     *                                         packet is too large for the socket (EMSGSIZE)
     */
    void send(long fd, byte[] data, long[] fds, long timeoutMillis) throws IOException;

    /**
     * Receives one packet without waiting; null when none is queued. A packet with no bytes and
     * no descriptors is either an empty packet or end of file; {@link #await} tells them apart
     * ({@link #HANGUP}).
     *
     * @param maxBytes longer packets come back {@link Packet#truncated() truncated}
     * @param maxFds   more descriptors come back {@link Packet#fdsTruncated() fdsTruncated}
     */
    Packet receive(long fd, int maxBytes, int maxFds) throws IOException;

    /**
     * Waits until one of {@code fds} is readable or hung up, or the timeout passes. Returns one
     * bit set ({@link #READABLE}, {@link #HANGUP}, {@link #INVALID}) per descriptor, all zero on
     * timeout. Borrows the descriptors.
     *
     * @param timeoutMillis negative = for ever
     */
    int[] await(long[] fds, long timeoutMillis) throws IOException;

    /**
     * An anonymous shared-memory file of exactly {@code size} bytes (a memfd on Linux) whose size
     * is sealed, so nobody it is shared with can shrink it under another process's mapping.
     * {@code executable} asks for a file that may be mapped executable; otherwise it is marked
     * non-executable where the kernel supports that. The caller owns the result.
     */
    long createSharedMemory(String name, long size, boolean executable) throws IOException;
}

package dev.switchboard.ipc.broker.sandbox;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import dev.switchboard.ipc.spi.SandboxOps;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Each kind of bad request the host must survive, crafted with the raw socket operations a
 * hostile child has. Used in-process and by {@link SandboxChildren.Bad}.
 */
enum BadRequest {
    UNKNOWN_MAGIC(RejectReason.UNKNOWN_TYPE),
    TRUNCATED_PAYLOAD(RejectReason.MALFORMED_PAYLOAD),
    NO_REPLY_FD(RejectReason.NO_REPLY_CHANNEL),
    TWO_FDS(RejectReason.TOO_MANY_DESCRIPTORS),
    NOT_A_SOCKET(RejectReason.REPLY_CHANNEL_NOT_A_SOCKET),
    STREAM_SOCKET(RejectReason.REPLY_CHANNEL_WRONG_TYPE),
    OVERSIZED(RejectReason.OVERSIZED);

    final RejectReason expected;

    BadRequest(RejectReason expected) {
        this.expected = expected;
    }

    interface C extends Library {
        C INSTANCE = Native.load(Platform.C_LIBRARY_NAME, C.class);

        int socketpair(int domain, int type, int protocol, int[] sv) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    /**
     * Sends this bad request on {@code fd}. Returns descriptors the caller owns that hang up
     * once the host has closed every copy of what it received (none for {@link #NO_REPLY_FD}).
     */
    List<Long> send(SandboxOps ops, long fd, int maxRequestBytes) throws IOException {
        List<Long> watch = new ArrayList<>();
        byte[] localTime = ByteBuffer.allocate(4 + 8 + 4).putInt(SandboxRequests.LOCAL_TIME.magic()).putLong(0).putInt(-1).array();
        switch (this) {
            case UNKNOWN_MAGIC:
                sendWithReplyEnd(ops, fd, ByteBuffer.allocate(4).putInt(0x0BADF00D).array(), 1, watch);
                break;
            case TRUNCATED_PAYLOAD:
                // the magic and 3 of the 12 body bytes LocalTime needs
                sendWithReplyEnd(ops, fd, java.util.Arrays.copyOf(localTime, 7), 1, watch);
                break;
            case NO_REPLY_FD:
                ops.send(fd, localTime, new long[0], 5000);
                break;
            case TWO_FDS:
                sendWithReplyEnd(ops, fd, localTime, 2, watch);
                break;
            case NOT_A_SOCKET: {
                long[] pipe = ops.pipe();
                try {
                    ops.send(fd, localTime, new long[] {pipe[1]}, 5000);
                } finally {
                    close(pipe[1]); // ours; the host's copy is the last writer, so its close shows as POLLHUP
                }
                watch.add(pipe[0]);
                break;
            }
            case STREAM_SOCKET: {
                int[] sv = new int[2];
                C.INSTANCE.socketpair(1 /* AF_UNIX */, 1 /* SOCK_STREAM */ | 02000000 /* SOCK_CLOEXEC */, 0, sv);
                try {
                    ops.send(fd, localTime, new long[] {sv[0]}, 5000);
                } finally {
                    close(sv[0]);
                }
                watch.add((long) sv[1]);
                break;
            }
            case OVERSIZED: {
                byte[] big = ByteBuffer.allocate(maxRequestBytes + 1).putInt(SandboxRequests.LOCAL_TIME.magic()).array();
                sendWithReplyEnd(ops, fd, big, 1, watch);
                break;
            }
            default:
                throw new AssertionError(this);
        }
        return watch;
    }

    private static void sendWithReplyEnd(SandboxOps ops, long fd, byte[] data, int ends, List<Long> watch)
            throws IOException {
        long[] sent = new long[ends];
        for (int i = 0; i < ends; i++) {
            long[] pair = ops.seqPacketPair();
            sent[i] = pair[0];
            watch.add(pair[1]);
        }
        try {
            ops.send(fd, data, sent, 5000);
        } finally {
            for (long s : sent) {
                close(s);
            }
        }
    }

    /** Waits until every watched descriptor reports hang-up; fails naming the first that does not. */
    static void awaitHangUp(SandboxOps ops, List<Long> watch, Duration timeout) throws IOException {
        for (long w : watch) {
            int r = ops.await(new long[] {w}, timeout.toMillis())[0];
            if ((r & SandboxOps.HANGUP) == 0) {
                throw new IOException("fd " + w + " did not hang up within " + timeout + " (events " + r
                        + "): the host kept a descriptor it received");
            }
        }
    }

    static void close(long fd) {
        try {
            C.INSTANCE.close((int) fd);
        } catch (LastErrorException ignored) {
            // test cleanup
        }
    }
}

package dev.switchboard.ipc.transport.unix;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import com.sun.jna.Structure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Test-side I/O on raw fds, so tests see exactly what a caller of the SPI gets: a bare number. */
final class RawFds {

    private RawFds() {}

    @Structure.FieldOrder({"fd", "events", "revents"})
    public static final class PollFd extends Structure {
        public int fd;
        public short events;
        public short revents;
    }

    interface C extends Library {
        C INSTANCE = Native.load(Platform.C_LIBRARY_NAME, C.class);

        NativeLong write(int fd, byte[] buf, NativeLong n) throws LastErrorException;

        NativeLong read(int fd, byte[] buf, NativeLong n) throws LastErrorException;

        int poll(PollFd fds, NativeLong nfds, int timeoutMs) throws LastErrorException;

        int dup2(int oldFd, int newFd) throws LastErrorException;

        int socketpair(int domain, int type, int protocol, int[] sv) throws LastErrorException;

        int fcntl(int fd, int cmd, Object... arg) throws LastErrorException;
    }

    private static final short POLLIN = 1;
    private static final int ECONNRESET = Platform.isMac() ? 54 : 104;

    static void writeAll(long fd, byte[] data) {
        int off = 0;
        while (off < data.length) {
            byte[] rest = java.util.Arrays.copyOfRange(data, off, data.length);
            off += C.INSTANCE.write((int) fd, rest, new NativeLong(rest.length)).intValue();
        }
    }

    /** A connected AF_UNIX stream pair made by libc; the caller owns both fds. */
    static int[] socketPair() {
        int[] sv = new int[2];
        C.INSTANCE.socketpair(1 /* AF_UNIX */, 1 /* SOCK_STREAM */, 0, sv);
        return sv;
    }

    /** Reads exactly n bytes; fails on EOF or when nothing arrives within the timeout. */
    static byte[] readExactly(long fd, int n, Duration timeout) throws IOException {
        byte[] out = new byte[n];
        int off = 0;
        while (off < n) {
            byte[] chunk = new byte[n - off];
            int got = readSome(fd, chunk, timeout);
            if (got < 0) {
                throw new IOException("EOF after " + off + " of " + n + " bytes on fd " + fd);
            }
            System.arraycopy(chunk, 0, out, off, got);
            off += got;
        }
        return out;
    }

    /** @return bytes read, -1 on EOF; throws when nothing arrives within the timeout */
    static int readSome(long fd, byte[] buf, Duration timeout) throws IOException {
        PollFd p = new PollFd();
        p.fd = (int) fd;
        p.events = POLLIN;
        int ready = C.INSTANCE.poll(p, new NativeLong(1), (int) timeout.toMillis());
        if (ready == 0) {
            throw new IOException("nothing to read on fd " + fd + " within " + timeout.toMillis() + " ms");
        }
        int got;
        try {
            got = C.INSTANCE.read((int) fd, buf, new NativeLong(buf.length)).intValue();
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ECONNRESET) {
                return -1; // the peer closed with bytes of ours unread: a hang-up all the same
            }
            throw new IOException("read(" + fd + ") failed: errno " + e.getErrorCode(), e);
        }
        return got == 0 ? -1 : got;
    }

    /** True when the peer closed (EOF or reset) within the timeout; false when data arrived instead. */
    static boolean seesEof(long fd, Duration timeout) throws IOException {
        return readSome(fd, new byte[64], timeout) < 0;
    }

    static boolean isOpen(int fd) {
        try {
            C.INSTANCE.fcntl(fd, LibC.F_GETFD);
            return true;
        } catch (LastErrorException e) {
            return false;
        }
    }

    /** fd number -> what it points at, from /proc/self/fd. */
    static Map<Integer, String> openFds() throws IOException {
        Map<Integer, String> fds = new TreeMap<>();
        Path dir = Path.of("/proc/self/fd");
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String target;
                try {
                    target = Files.readSymbolicLink(p).toString();
                } catch (IOException e) {
                    continue; // the listing's own directory fd, gone by now
                }
                // directory streams over /proc/*/fd (this listing's, or one another thread has open
                // for a moment) and the JVM's brief cgroup reads come and go on their own
                if (!(target.startsWith("/proc/") && target.endsWith("/fd")) && !target.startsWith("/sys/fs/cgroup/")) {
                    fds.put(Integer.parseInt(p.getFileName().toString()), target);
                }
            }
        }
        return fds;
    }
}

package dev.switchboard.ipc.transport.unix;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.switchboard.ipc.spi.SharedMemoryOps;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;

/**
 * Internal: {@link SharedMemoryOps} on Linux: memfd files sealed against shrinking and growing at
 * creation, F_SEAL_FUTURE_WRITE plus an O_RDONLY re-open for read-only copies, and mmap/munmap
 * through JNA.
 */
final class UnixSharedMemoryOps implements SharedMemoryOps {

    private static final String NAME = "switchboard-shared";

    /** Releases an unmapped mapping's placeholder once no buffer over it can be reached. */
    private static final Cleaner PLACEHOLDERS = Cleaner.create();

    private final int pageSize = SharedMemoryLib.getpagesize();

    @Override
    public long create(long size) throws IOException {
        if (size < 1) {
            throw new IllegalArgumentException("size must be positive: " + size);
        }
        int base = SharedMemoryLib.MFD_CLOEXEC | SharedMemoryLib.MFD_ALLOW_SEALING;
        int fd = SharedMemoryLib.memfd_create(NAME, base | SharedMemoryLib.MFD_NOEXEC_SEAL);
        if (fd < 0 && LibC.errno() == SharedMemoryLib.EINVAL) {
            fd = SharedMemoryLib.memfd_create(NAME, base); // before Linux 6.3: no MFD_NOEXEC_SEAL
        }
        if (fd < 0) {
            throw LibC.lastError("memfd_create");
        }
        // Size sealed both ways: a holder that shrank the file would turn another process's next
        // access to its mapping into SIGBUS. F_SEAL_SEAL is not set yet: readOnlyCopy adds a seal.
        if (SharedMemoryLib.ftruncate(fd, size) != 0) {
            IOException e = LibC.lastError("ftruncate to " + size + " bytes");
            LibC.close(fd);
            throw e;
        }
        if (LibC.fcntl(fd, SharedMemoryLib.F_ADD_SEALS, SharedMemoryLib.F_SEAL_SHRINK | SharedMemoryLib.F_SEAL_GROW) != 0) {
            IOException e = LibC.lastError("sealing the size of a memfd");
            LibC.close(fd);
            throw e;
        }
        return fd;
    }

    @Override
    public long readOnlyCopy(long fd) throws IOException {
        int f = Math.toIntExact(fd);
        // FUTURE_WRITE, unlike WRITE, succeeds while writable mappings exist and leaves them
        // writable; it refuses every new write and writable mapping, whoever holds the file. SEAL
        // keeps anyone from adding seals later.
        int seals = SharedMemoryLib.F_SEAL_FUTURE_WRITE | SharedMemoryLib.F_SEAL_SEAL;
        int present = LibC.fcntl(f, SharedMemoryLib.F_GET_SEALS);
        if (present < 0) {
            throw LibC.lastError("F_GET_SEALS");
        }
        if ((present & seals) != seals && LibC.fcntl(f, SharedMemoryLib.F_ADD_SEALS, seals) != 0) {
            throw LibC.lastError("sealing a memfd against writing (F_SEAL_FUTURE_WRITE, Linux 5.1+)");
        }
        // A new open file description, read-only: the receiver's F_GETFL says O_RDONLY, and a
        // writable mmap of it fails even before the seal is looked at.
        int ro = SharedMemoryLib.open("/proc/self/fd/" + f, SharedMemoryLib.O_RDONLY | SharedMemoryLib.O_CLOEXEC, 0);
        if (ro < 0) {
            throw LibC.lastError("re-opening a memfd read-only through /proc/self/fd");
        }
        return ro;
    }

    @Override
    public RegionInfo inspect(long fd) throws IOException {
        int f = Math.toIntExact(fd);
        int seals = LibC.fcntl(f, SharedMemoryLib.F_GET_SEALS);
        if (seals < 0) {
            throw LibC.lastError("F_GET_SEALS on fd " + f);
        }
        int flags = LibC.fcntl(f, SharedMemoryLib.F_GETFL);
        if (flags < 0) {
            throw LibC.lastError("F_GETFL on fd " + f);
        }
        Memory stat = new Memory(SharedMemoryLib.STAT_BYTES);
        if (SharedMemoryLib.fstat(f, stat) != 0) {
            throw LibC.lastError("fstat on fd " + f);
        }
        int access = flags & SharedMemoryLib.O_ACCMODE;
        return new RegionInfo(stat.getLong(SharedMemoryLib.STAT_SIZE_OFFSET),
                (seals & SharedMemoryLib.F_SEAL_SHRINK) != 0,
                (seals & SharedMemoryLib.F_SEAL_GROW) != 0,
                (seals & (SharedMemoryLib.F_SEAL_FUTURE_WRITE | SharedMemoryLib.F_SEAL_WRITE)) != 0,
                access != SharedMemoryLib.O_RDONLY);
    }

    @Override
    public Mapping map(long fd, long offset, int length, boolean writable) throws IOException {
        if (offset % pageSize != 0 || length < 1) {
            throw new IllegalArgumentException("offset " + offset + " is not page-aligned, or length " + length + " < 1");
        }
        int prot = SharedMemoryLib.PROT_READ | (writable ? SharedMemoryLib.PROT_WRITE : 0);
        long address = SharedMemoryLib.mmap(0, length, prot, SharedMemoryLib.MAP_SHARED, Math.toIntExact(fd), offset);
        if (address == SharedMemoryLib.MAP_FAILED) {
            throw LibC.lastError("mmap of " + length + " bytes at " + offset + (writable ? ", writable" : ", read-only"));
        }
        ByteBuffer root = new Pointer(address).getByteBuffer(0, length);
        // Every view handed out derives from root (slices and duplicates keep it reachable), so
        // once root is unreachable nothing can touch the range, and it can be given back.
        PLACEHOLDERS.register(root, new Release(address, length));
        return new UnixMapping(address, length, writable ? root : root.asReadOnlyBuffer());
    }

    @Override
    public int pageSize() {
        return pageSize;
    }

    /** Gives the address range back to the OS. */
    private record Release(long address, long length) implements Runnable {
        @Override
        public void run() {
            SharedMemoryLib.munmap(address, length);
        }
    }

    private static final class UnixMapping implements Mapping {
        private final long address;
        private final int length;
        private final ByteBuffer buffer;

        UnixMapping(long address, int length, ByteBuffer buffer) {
            this.address = address;
            this.length = length;
            this.buffer = buffer;
        }

        @Override
        public ByteBuffer buffer() {
            return buffer.duplicate(); // still derived from the root buffer, which it keeps reachable
        }

        @Override
        public long address() {
            return address;
        }

        /**
         * Replaces the shared pages with private zero pages in one step (MAP_FIXED never leaves
         * the range unmapped in between), so a stale view faults neither now nor later.
         */
        @Override
        public void unmap() {
            long placeholder = SharedMemoryLib.mmap(address, length, SharedMemoryLib.PROT_READ | SharedMemoryLib.PROT_WRITE,
                    SharedMemoryLib.MAP_PRIVATE | SharedMemoryLib.MAP_ANONYMOUS | SharedMemoryLib.MAP_FIXED
                            | SharedMemoryLib.MAP_NORESERVE, -1, 0);
            if (placeholder == SharedMemoryLib.MAP_FAILED) {
                // the shared pages stay mapped until the views are unreachable: a leak, never a fault
                org.slf4j.LoggerFactory.getLogger(UnixSharedMemoryOps.class).warn(
                        "cannot unmap {} shared bytes at once: {}", length, LibC.describeErrno(LibC.errno()));
            }
        }
    }
}

package dev.switchboard.ipc.transport.unix;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * Internal: the libc calls behind {@link UnixSharedMemoryOps}. Linux on LP64 only (x86_64,
 * aarch64), where the constants below are the same. Direct mapping: a mapping is made and
 * unmapped per {@link dev.switchboard.ipc.SharedMapping}, and checking a received buffer costs
 * three calls on the I/O thread. Every call returns the raw result; on -1 read
 * {@link LibC#errno()} at once.
 */
final class SharedMemoryLib {

    static final int MFD_CLOEXEC = 0x1;
    static final int MFD_ALLOW_SEALING = 0x2;
    /** Linux 6.3+: never executable. */
    static final int MFD_NOEXEC_SEAL = 0x8;

    static final int F_GETFL = 3;
    static final int F_ADD_SEALS = 1033;
    static final int F_GET_SEALS = 1034;
    static final int F_SEAL_SEAL = 0x1;
    static final int F_SEAL_SHRINK = 0x2;
    static final int F_SEAL_GROW = 0x4;
    static final int F_SEAL_WRITE = 0x8;
    /** Linux 5.1+. */
    static final int F_SEAL_FUTURE_WRITE = 0x10;

    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_RDWR = 2;
    static final int O_ACCMODE = 3;
    static final int O_CLOEXEC = 02000000;

    static final int PROT_NONE = 0;
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 0x01;
    static final int MAP_PRIVATE = 0x02;
    static final int MAP_FIXED = 0x10;
    static final int MAP_ANONYMOUS = 0x20;
    static final int MAP_NORESERVE = 0x4000;
    static final long MAP_FAILED = -1L;

    static final int EINVAL = 22;

    /** struct stat's st_size: offset 48 on both x86_64 and aarch64 (asm-generic). */
    static final int STAT_SIZE_OFFSET = 48;
    /** Larger than struct stat on either (144 and 128 bytes). */
    static final int STAT_BYTES = 256;

    static {
        Native.register(SharedMemoryLib.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private SharedMemoryLib() {}

    /** glibc 2.27+. */
    static native int memfd_create(String name, int flags);

    static native int ftruncate(int fd, long length);

    /** glibc 2.33+ exports fstat itself. */
    static native int fstat(int fd, Pointer stat);

    /** The mode argument is only read with O_CREAT; passing it always is harmless on LP64 Linux. */
    static native int open(String path, int flags, int mode);

    static native long mmap(long address, long length, int prot, int flags, int fd, long offset);

    static native int munmap(long address, long length);

    static native int mprotect(long address, long length, int prot);

    static native int getpagesize();
}

package dev.switchboard.ipc.transport.unix;

import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

/**
 * The libc calls {@link PosixSpawner} and its reaper need. Only 64-bit Linux (x86_64, aarch64) and
 * macOS are meant; sizes below ({@code long} for size_t/ssize_t/nfds_t) assume LP64.
 *
 * <p>Functions that return an error number (the posix_spawn family) are documented as such; the
 * others return -1 and leave errno in {@link Native#getLastError()}.
 */
interface PosixSpawnLib extends Library {

    PosixSpawnLib LIB = Native.load(Platform.C_LIBRARY_NAME, PosixSpawnLib.class);

    // --- constants that differ between Linux (asm-generic and x86_64 agree on these) and macOS ---

    boolean MAC = Platform.isMac();

    int O_RDONLY = 0;
    int O_WRONLY = 1;
    int O_CREAT = MAC ? 0x200 : 0100;
    int O_TRUNC = MAC ? 0x400 : 01000;
    int O_APPEND = MAC ? 0x8 : 02000;
    int O_NONBLOCK = MAC ? 0x4 : 04000;
    int O_CLOEXEC = MAC ? 0x1000000 : 02000000;

    int F_SETFD = 2;
    int F_SETFL = 4;
    int FD_CLOEXEC = 1;
    int F_DUPFD_CLOEXEC = MAC ? 67 : 1030;

    int EINTR = 4;
    int ECHILD = 10;
    int ENOSYS = MAC ? 78 : 38;

    int WNOHANG = 1;
    int SIGKILL = 9;

    short POLLIN = 0x1;
    short POLLNVAL = 0x20;

    short POSIX_SPAWN_SETSIGDEF = 0x04;
    short POSIX_SPAWN_SETSIGMASK = 0x08;
    /** macOS only: every fd not named in a file action is closed in the child. */
    short POSIX_SPAWN_CLOEXEC_DEFAULT = 0x4000;

    /** Linux: eventfd flags are the O_ flags of the same name. */
    int EFD_CLOEXEC = O_CLOEXEC;
    int EFD_NONBLOCK = O_NONBLOCK;

    /** pidfd_open is 434 on every Linux architecture that has it (x86_64 and asm-generic alike). */
    long SYS_PIDFD_OPEN = 434;

    /**
     * Opaque glibc/macOS struct sizes are far below this: glibc x86_64 has
     * posix_spawn_file_actions_t = 80, posix_spawnattr_t = 336 (two sigset_t inside, so 256 would
     * NOT be enough), sigset_t = 128; on macOS all three are at most a pointer.
     */
    int OPAQUE_STRUCT_SIZE = 1024;

    // --- posix_spawn: these return 0 or an error number; errno is not used ---

    int posix_spawn(IntByReference pid, Pointer path, Pointer fileActions, Pointer attr,
                    Pointer argv, Pointer envp);

    int posix_spawnp(IntByReference pid, Pointer file, Pointer fileActions, Pointer attr,
                     Pointer argv, Pointer envp);

    int posix_spawn_file_actions_init(Pointer fileActions);

    int posix_spawn_file_actions_destroy(Pointer fileActions);

    int posix_spawn_file_actions_adddup2(Pointer fileActions, int fd, int newFd);

    int posix_spawn_file_actions_addclose(Pointer fileActions, int fd);

    /** {@code path} is copied by libc (POSIX requires it), but callers keep it alive anyway. */
    int posix_spawn_file_actions_addopen(Pointer fileActions, int fd, Pointer path, int oflag, int mode);

    int posix_spawnattr_init(Pointer attr);

    int posix_spawnattr_destroy(Pointer attr);

    int posix_spawnattr_setflags(Pointer attr, short flags);

    int posix_spawnattr_setsigmask(Pointer attr, Pointer sigset);

    int posix_spawnattr_setsigdefault(Pointer attr, Pointer sigset);

    int sigemptyset(Pointer sigset);

    int sigfillset(Pointer sigset);

    /** glibc >= 2.34. Looked up by name: older glibc lacks it. (fa, from) -> error number. */
    Function ADDCLOSEFROM_NP = optional("posix_spawn_file_actions_addclosefrom_np");

    /** glibc >= 2.29, macOS >= 10.15. (fa, path) -> error number. */
    Function ADDCHDIR_NP = optional("posix_spawn_file_actions_addchdir_np");

    /** macOS: keeps an fd open under POSIX_SPAWN_CLOEXEC_DEFAULT. (fa, fd) -> error number. */
    Function ADDINHERIT_NP = MAC ? optional("posix_spawn_file_actions_addinherit_np") : null;

    // --- plain syscalls: -1 and errno ---

    int waitpid(int pid, IntByReference status, int options);

    int kill(int pid, int sig);

    /** Variadic in C; declared so, because Apple arm64 passes variadic arguments on the stack. */
    int fcntl(int fd, int cmd, Object... arg);

    int close(int fd);

    /** Linux only. Variadic in C. */
    long syscall(long number, Object... args);

    /** {@code fds} points to {@code nfds} 8-byte struct pollfd {int fd; short events; short revents;}. */
    int poll(Pointer fds, long nfds, int timeoutMillis);

    /** Linux only. */
    int pipe2(int[] fds, int flags);

    int pipe(int[] fds);

    /** Linux only. */
    int eventfd(int initval, int flags);

    long read(int fd, Pointer buf, long count);

    long write(int fd, Pointer buf, long count);

    String strerror(int errnum);

    static Function optional(String name) {
        try {
            return NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction(name);
        } catch (UnsatisfiedLinkError missing) {
            return null;
        }
    }

    /** e.g. {@code "No such file or directory (errno 2)"}. */
    static String describeErrno(int errno) {
        String text;
        try {
            text = LIB.strerror(errno);
        } catch (RuntimeException | LinkageError e) {
            text = null;
        }
        return (text == null ? "error" : text) + " (errno " + errno + ")";
    }

    /** For messages: the glibc version, or "unknown" (also on macOS). */
    static String libcVersion() {
        Function f = optional("gnu_get_libc_version");
        if (f == null) {
            return "unknown";
        }
        try {
            return "glibc " + f.invokeString(new Object[0], false);
        } catch (RuntimeException | LinkageError e) {
            return "unknown";
        }
    }
}

package dev.switchboard.ipc.transport.unix;

import static dev.switchboard.ipc.transport.unix.PosixSpawnLib.LIB;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import dev.switchboard.ipc.spi.ProcessSpawner;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Internal: starts children with posix_spawn so that they receive exactly fds 0, 1, 2 and the requested
 * slots, nothing else of the JVM's many descriptors.
 *
 * <p>Why not {@link ProcessBuilder}: it closes every fd >= 3 in the child, so it cannot put a
 * channel endpoint into slot 3. Why explicit closing: a plain posix_spawn leaks every JVM fd that
 * lacks FD_CLOEXEC (jar files, for one). On Linux the child closes each non-slot fd from 3 up to
 * the highest slot and then everything above it (closefrom); macOS gets POSIX_SPAWN_CLOEXEC_DEFAULT.
 *
 * <p>Requirements: Linux with glibc >= 2.34 (posix_spawn_file_actions_addclosefrom_np; a working
 * directory also needs addchdir_np, glibc >= 2.29), or macOS (POSIX_SPAWN_CLOEXEC_DEFAULT;
 * addchdir_np from 10.15). 64-bit only.
 *
 * <p>PATH: a program without a slash is looked up with posix_spawnp, which searches the PATH of
 * the <em>JVM</em>, not the one in {@link Request#env()} (as {@link ProcessBuilder} does). A
 * relative program path with a slash is resolved in the child's working directory. Redirect files
 * are resolved against the JVM's working directory, as with {@link ProcessBuilder}.
 *
 * <p>Children are reaped by one daemon thread ({@value ChildReaper#THREAD_NAME}); exit futures are
 * completed from the default async executor of {@link java.util.concurrent.CompletableFuture}, never on
 * that thread, so dependents may block without stopping reaping. When the future completes the
 * child has already been reaped. Completing the future yourself does not stop the reaping, but
 * then a zombie may briefly outlive it.
 *
 * <p>The child starts with an empty signal mask and every signal at its default disposition:
 * the JVM blocks some signals in its threads and exec would carry the mask and ignored signals over.
 * Exception: glibc's posix_spawn always leaves its two internal signals (32 and 33, below
 * SIGRTMIN) ignored in the child, and its sigfillset leaves them out, so they cannot be reset
 * [observed on glibc 2.36, also with a plain C caller].
 */
public final class PosixSpawner implements ProcessSpawner {

    private static final int FILE_MODE = 0644;

    /** How the JDK itself encodes argv, environment and paths for the OS. */
    private static final Charset NATIVE = nativeCharset();

    /** Set once pidfd_open returned ENOSYS: stop trying. */
    private static volatile boolean pidfdUnavailable = PosixSpawnLib.MAC;

    private final boolean usePidfd;

    /** @throws UnsupportedOperationException when {@link #unsupportedReason()} is present */
    public PosixSpawner() {
        this(true);
    }

    /** Tests use {@code usePidfd = false} to exercise the waitpid polling that macOS and old kernels get. */
    PosixSpawner(boolean usePidfd) {
        unsupportedReason().ifPresent(reason -> {
            throw new UnsupportedOperationException(reason);
        });
        this.usePidfd = usePidfd;
    }

    /** Why this platform cannot use the spawner, or empty when it can. Never throws. */
    public static Optional<String> unsupportedReason() {
        try {
            if (!Platform.isLinux() && !Platform.isMac()) {
                return Optional.of("PosixSpawner supports Linux and macOS, not " + System.getProperty("os.name"));
            }
            if (Native.POINTER_SIZE != 8) {
                return Optional.of("PosixSpawner needs a 64-bit JVM");
            }
            if (Platform.isLinux() && PosixSpawnLib.ADDCLOSEFROM_NP == null) {
                return Optional.of("posix_spawn_file_actions_addclosefrom_np is missing from the C library ("
                        + PosixSpawnLib.libcVersion() + "); glibc 2.34 or newer is required so that children"
                        + " do not inherit the JVM's file descriptors");
            }
            if (Platform.isMac() && PosixSpawnLib.ADDINHERIT_NP == null) {
                return Optional.of("posix_spawn_file_actions_addinherit_np is missing (macOS 10.7+ required)");
            }
            return Optional.empty();
        } catch (LinkageError e) {
            return Optional.of("cannot load the C library through JNA: " + e);
        }
    }

    @Override
    public Spawned spawn(Request request) throws IOException {
        Objects.requireNonNull(request, "request");
        List<String> argv = request.argv();
        if (argv.isEmpty() || argv.get(0).isEmpty()) {
            throw new IllegalArgumentException("argv must start with a program");
        }
        String program = argv.get(0);
        Redirect[] stdio = {orInherit(request.stdin()), orInherit(request.stdout()), orInherit(request.stderr())};
        TreeMap<Integer, Long> slots = new TreeMap<>(request.slots());
        for (Map.Entry<Integer, Long> e : slots.entrySet()) {
            int slot = e.getKey();
            long source = e.getValue();
            if (slot < 0) {
                throw new IllegalArgumentException("negative slot " + slot);
            }
            if (slot <= 2 && !stdio[slot].inherit()) {
                throw new IllegalArgumentException("slot " + slot + " is both a handle and a redirect to " + stdio[slot].file());
            }
            if (source < 0 || source > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("slot " + slot + ": " + source + " is not a file descriptor");
            }
        }
        if (request.workingDirectory() != null && PosixSpawnLib.ADDCHDIR_NP == null) {
            throw new UnsupportedOperationException("a working directory needs posix_spawn_file_actions_addchdir_np,"
                    + " which this C library lacks (" + PosixSpawnLib.libcVersion() + "; glibc 2.29+ or macOS 10.15+ has it)");
        }
        // Every child fd from here up is closed by closefrom; staging copies live at or above it.
        int firstClosed = Math.max(2, slots.isEmpty() ? 2 : slots.lastKey()) + 1;

        // Before the child exists: afterwards nothing may fail, or nobody would reap it.
        ChildReaper reaper = ChildReaper.get();

        int[] staged = new int[slots.size()];
        Arrays.fill(staged, -1);
        List<Memory> nativeStrings = new ArrayList<>(); // must stay reachable until posix_spawn returned
        // malloc'ed, hence aligned for any C type
        Memory fileActions = new Memory(PosixSpawnLib.OPAQUE_STRUCT_SIZE);
        Memory attr = new Memory(PosixSpawnLib.OPAQUE_STRUCT_SIZE);
        Memory sigset = new Memory(PosixSpawnLib.OPAQUE_STRUCT_SIZE);
        boolean fileActionsReady = false;
        boolean attrReady = false;
        try {
            // Encoding first: it can reject the request (NUL, bad names) before any fd is made.
            Memory programName = cString(program, nativeStrings);
            Memory argvArray = cStringArray(argv, nativeStrings);
            List<String> envStrings = new ArrayList<>();
            new TreeMap<>(request.env()).forEach((k, v) -> {
                if (k.isEmpty() || k.indexOf('=') >= 0) {
                    throw new IllegalArgumentException("invalid environment variable name \"" + k + "\"");
                }
                envStrings.add(k + "=" + v);
            });
            Memory envArray = cStringArray(envStrings, nativeStrings);

            // Stage every source above the highest slot. Then no dup2 in the child can overwrite
            // a source another dup2 still needs (e.g. {3: fd 4, 4: fd 3}), and no dup2(fd, fd)
            // happens, which would be a no-op that leaves FD_CLOEXEC set and the slot closed by exec.
            // The staging copies are ours (parent) and CLOEXEC; they are closed in finally.
            int i = 0;
            for (Map.Entry<Integer, Long> e : slots.entrySet()) {
                // variadic argument passed as long: glibc reads it with va_arg(ap, void *)
                int copy = LIB.fcntl((int) (long) e.getValue(), PosixSpawnLib.F_DUPFD_CLOEXEC, (long) firstClosed);
                if (copy < 0) {
                    throw new IOException("cannot run program \"" + program + "\": slot " + e.getKey() + ": fd "
                            + e.getValue() + " cannot be duplicated: " + LibC.describeErrno(Native.getLastError()));
                }
                staged[i++] = copy;
            }

            check(LIB.posix_spawn_file_actions_init(fileActions), "posix_spawn_file_actions_init", program);
            fileActionsReady = true;
            check(LIB.posix_spawnattr_init(attr), "posix_spawnattr_init", program);
            attrReady = true;

            // Actions run in this order in the child: stdio, slots, close everything else, chdir.
            for (int fd = 0; fd <= 2; fd++) {
                if (slots.containsKey(fd)) {
                    continue;
                }
                Redirect r = stdio[fd];
                if (r.inherit()) {
                    if (PosixSpawnLib.MAC) { // CLOEXEC_DEFAULT would close even 0-2 otherwise
                        check(PosixSpawnLib.ADDINHERIT_NP.invokeInt(new Object[] {fileActions, fd}),
                                "posix_spawn_file_actions_addinherit_np", program);
                    }
                    continue;
                }
                int flags = fd == 0 ? PosixSpawnLib.O_RDONLY
                        : PosixSpawnLib.O_WRONLY | PosixSpawnLib.O_CREAT
                          | (r.append() ? PosixSpawnLib.O_APPEND : PosixSpawnLib.O_TRUNC);
                Memory path = cString(r.file().toAbsolutePath().toString(), nativeStrings);
                check(LIB.posix_spawn_file_actions_addopen(fileActions, fd, path, flags, FILE_MODE),
                        "posix_spawn_file_actions_addopen(" + fd + ", " + r.file() + ")", program);
            }
            i = 0;
            for (int slot : slots.keySet()) {
                // dup2 clears FD_CLOEXEC on the slot, and the copy's number is never a slot.
                check(LIB.posix_spawn_file_actions_adddup2(fileActions, staged[i++], slot),
                        "posix_spawn_file_actions_adddup2(slot " + slot + ")", program);
            }
            short flags = (short) (PosixSpawnLib.POSIX_SPAWN_SETSIGMASK | PosixSpawnLib.POSIX_SPAWN_SETSIGDEF);
            if (PosixSpawnLib.MAC) {
                flags |= PosixSpawnLib.POSIX_SPAWN_CLOEXEC_DEFAULT;
            } else {
                // closefrom only reaches above the highest slot. Any other fd below it (the JVM has
                // many, not all CLOEXEC) must be closed one by one. glibc ignores close actions on
                // fds that are not open in the child.
                for (int fd = 3; fd < firstClosed; fd++) {
                    if (!slots.containsKey(fd)) {
                        check(LIB.posix_spawn_file_actions_addclose(fileActions, fd),
                                "posix_spawn_file_actions_addclose(" + fd + ")", program);
                    }
                }
                check(PosixSpawnLib.ADDCLOSEFROM_NP.invokeInt(new Object[] {fileActions, firstClosed}),
                        "posix_spawn_file_actions_addclosefrom_np", program);
            }
            Path cwd = request.workingDirectory();
            if (cwd != null) {
                Memory dir = cString(cwd.toString(), nativeStrings);
                check(PosixSpawnLib.ADDCHDIR_NP.invokeInt(new Object[] {fileActions, dir}),
                        "posix_spawn_file_actions_addchdir_np", program);
            }

            check(LIB.posix_spawnattr_setflags(attr, flags), "posix_spawnattr_setflags", program);
            LIB.sigemptyset(sigset);
            check(LIB.posix_spawnattr_setsigmask(attr, sigset), "posix_spawnattr_setsigmask", program);
            LIB.sigfillset(sigset); // SIGKILL/SIGSTOP in the set are skipped by libc
            check(LIB.posix_spawnattr_setsigdefault(attr, sigset), "posix_spawnattr_setsigdefault", program);

            IntByReference pidOut = new IntByReference();
            int rc = program.indexOf('/') < 0
                    ? LIB.posix_spawnp(pidOut, programName, fileActions, attr, argvArray, envArray)
                    : LIB.posix_spawn(pidOut, programName, fileActions, attr, argvArray, envArray);
            if (rc != 0) {
                // glibc reports exec and file-action failures of the child here (it uses CLONE_VFORK).
                throw new IOException("cannot run program \"" + program + "\""
                        + (cwd != null ? " (in directory \"" + cwd + "\")" : "")
                        + ": " + LibC.describeErrno(rc));
            }
            int pid = pidOut.getValue();
            // The child exists: from here on nothing may throw.
            ChildReaper.Child child = new ChildReaper.Child(pid, usePidfd ? openPidfd(pid) : -1);
            reaper.register(child); // the pidfd now belongs to the reaper
            return child;
        } finally {
            // Staging copies were only for the file actions; the child holds its own dup2 results.
            for (int fd : staged) {
                if (fd >= 0) {
                    LIB.close(fd);
                }
            }
            if (fileActionsReady) {
                LIB.posix_spawn_file_actions_destroy(fileActions);
            }
            if (attrReady) {
                LIB.posix_spawnattr_destroy(attr);
            }
            fileActions.close();
            attr.close();
            sigset.close();
            nativeStrings.forEach(Memory::close);
        }
    }

    /**
     * A pidfd for the child, or -1 so the reaper polls it instead. A pid cannot be recycled while
     * it is our unreaped child, so the pidfd surely names this child.
     */
    private static int openPidfd(int pid) {
        if (pidfdUnavailable) {
            return -1;
        }
        // longs: syscall() reads its variadic arguments as long. pidfds are always O_CLOEXEC.
        long fd = LIB.syscall(PosixSpawnLib.SYS_PIDFD_OPEN, (long) pid, 0L);
        if (fd < 0) {
            if (Native.getLastError() == PosixSpawnLib.ENOSYS) {
                pidfdUnavailable = true; // kernel < 5.3: polling for all children from now on
            }
            return -1; // e.g. EMFILE: this child is polled
        }
        return (int) fd;
    }

    private static Redirect orInherit(Redirect r) {
        return r == null ? Redirect.INHERIT : r;
    }

    /** posix_spawn_* results are error numbers, not -1/errno. */
    private static void check(int rc, String what, String program) throws IOException {
        if (rc != 0) {
            throw new IOException("cannot run program \"" + program + "\": " + what + ": " + LibC.describeErrno(rc));
        }
    }

    private static Memory cString(String s, List<Memory> owner) {
        byte[] bytes = encode(s);
        Memory m = new Memory(bytes.length + 1L);
        owner.add(m);
        m.write(0, bytes, 0, bytes.length);
        m.setByte(bytes.length, (byte) 0);
        return m;
    }

    /** NULL-terminated char*[] and its strings in one block, so one close() frees everything. */
    private static Memory cStringArray(List<String> strings, List<Memory> owner) {
        byte[][] encoded = new byte[strings.size()][];
        long table = (strings.size() + 1L) * Native.POINTER_SIZE;
        long total = table;
        for (int i = 0; i < encoded.length; i++) {
            encoded[i] = encode(strings.get(i));
            total += encoded[i].length + 1L;
        }
        Memory m = new Memory(total);
        owner.add(m);
        long at = table;
        for (int i = 0; i < encoded.length; i++) {
            m.setPointer((long) i * Native.POINTER_SIZE, m.share(at));
            m.write(at, encoded[i], 0, encoded[i].length);
            m.setByte(at + encoded[i].length, (byte) 0);
            at += encoded[i].length + 1L;
        }
        m.setPointer((long) encoded.length * Native.POINTER_SIZE, Pointer.NULL);
        return m;
    }

    private static byte[] encode(String s) {
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("NUL character in \"" + s.replace('\0', '?') + "\"");
        }
        return s.getBytes(NATIVE);
    }

    private static Charset nativeCharset() {
        for (String property : new String[] {"sun.jnu.encoding", "native.encoding"}) {
            String name = System.getProperty(property);
            if (name != null && Charset.isSupported(name)) {
                return Charset.forName(name);
            }
        }
        return StandardCharsets.UTF_8;
    }
}

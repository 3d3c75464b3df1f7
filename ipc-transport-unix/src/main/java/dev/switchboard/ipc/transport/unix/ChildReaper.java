package dev.switchboard.ipc.transport.unix;

import static dev.switchboard.ipc.transport.unix.PosixSpawnLib.LIB;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.ptr.IntByReference;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reaps every child that {@link PosixSpawner} starts, on one daemon thread for the whole JVM.
 *
 * <p>Linux: the thread poll()s a wake-up eventfd plus one pidfd per child; a pidfd turns readable
 * when its process has exited. Children without a pidfd (macOS, kernels before 5.3, pidfd_open
 * refused) are checked with {@code waitpid(pid, WNOHANG)} every {@value #POLL_INTERVAL_MS} ms by
 * the same thread. It never calls {@code waitpid(-1)}: that would also reap the JDK's
 * {@link Process} children and break their exit codes.
 *
 * <p>A child that exits before it is registered stays a zombie until then (nobody else waits for
 * it), its pidfd is readable at once and WNOHANG finds it, so no exit is missed.
 */
final class ChildReaper {

    private static final Logger LOG = LoggerFactory.getLogger(ChildReaper.class);

    static final String THREAD_NAME = "switchboard-reaper";
    static final int POLL_INTERVAL_MS = 10;

    /**
     * Futures are completed here, not on the reaper thread, so that a dependent stage (thenApply,
     * join in a callback...) can never stall reaping. This is the executor CompletableFuture's
     * *Async methods use by default (the common pool, or a thread per task when it has no
     * parallelism).
     */
    private static final Executor COMPLETIONS = new CompletableFuture<Void>().defaultExecutor();

    private static volatile ChildReaper instance;

    /** One spawned child. {@link #pidfd} belongs to the reaper once the child is registered. */
    static final class Child implements dev.switchboard.ipc.spi.ProcessSpawner.Spawned {
        final int pid;
        /** -1 when the child is watched by periodic waitpid instead. Touched only by the reaper after registration. */
        int pidfd;
        private final CompletableFuture<Integer> exit = new CompletableFuture<>();

        Child(int pid, int pidfd) {
            this.pid = pid;
            this.pidfd = pidfd;
        }

        @Override
        public long pid() {
            return pid;
        }

        @Override
        public CompletableFuture<Integer> exitCode() {
            return exit;
        }

        @Override
        public String toString() {
            return "child pid " + pid;
        }
    }

    private final Queue<Child> registrations = new ConcurrentLinkedQueue<>();
    /** Owned by the reaper for the JVM's lifetime: never closed. */
    private final int wakeReadFd;
    private final int wakeWriteFd;
    private final boolean wakeIsEventfd;
    /** 8 bytes: an eventfd needs exactly a uint64; a pipe takes the first byte. */
    private final Memory wakeToken = new Memory(8);

    /**
     * The reaper, started on first use. Spawners call this BEFORE they start a child: once a child
     * exists, nothing may fail anymore, or nobody would reap it.
     */
    static ChildReaper get() throws IOException {
        ChildReaper r = instance;
        if (r == null) {
            synchronized (ChildReaper.class) {
                r = instance;
                if (r == null) {
                    r = new ChildReaper();
                    Thread t = new Thread(r::run, THREAD_NAME);
                    t.setDaemon(true);
                    t.start();
                    instance = r;
                }
            }
        }
        return r;
    }

    private ChildReaper() throws IOException {
        wakeToken.setLong(0, 1);
        if (!PosixSpawnLib.MAC) {
            int fd = LIB.eventfd(0, PosixSpawnLib.EFD_CLOEXEC | PosixSpawnLib.EFD_NONBLOCK);
            if (fd < 0) {
                throw new IOException("eventfd for the child reaper: " + PosixSpawnLib.describeErrno(Native.getLastError()));
            }
            wakeReadFd = fd;
            wakeWriteFd = fd;
            wakeIsEventfd = true;
        } else {
            // macOS has no pipe2: the pipe is inheritable for a moment. Our own spawns close it
            // (POSIX_SPAWN_CLOEXEC_DEFAULT) and the JDK's close all fds >= 3 in its children.
            int[] fds = new int[2];
            if (LIB.pipe(fds) != 0) {
                throw new IOException("pipe for the child reaper: " + PosixSpawnLib.describeErrno(Native.getLastError()));
            }
            for (int fd : fds) {
                LIB.fcntl(fd, PosixSpawnLib.F_SETFD, (long) PosixSpawnLib.FD_CLOEXEC);
                // non-blocking: a full pipe already means "wake up", and draining must not block
                LIB.fcntl(fd, PosixSpawnLib.F_SETFL, (long) PosixSpawnLib.O_NONBLOCK);
            }
            wakeReadFd = fds[0];
            wakeWriteFd = fds[1];
            wakeIsEventfd = false;
        }
    }

    /** Takes ownership of {@code child.pidfd}. Never fails: the child is already running. */
    void register(Child child) {
        registrations.add(child);
        // EAGAIN (pipe full / counter saturated) means a wake-up is pending anyway.
        LIB.write(wakeWriteFd, wakeToken, wakeIsEventfd ? 8 : 1);
    }

    private void run() {
        List<Child> watched = new ArrayList<>(); // have a pidfd
        List<Child> polled = new ArrayList<>();  // no pidfd: waitpid every POLL_INTERVAL_MS
        IntByReference status = new IntByReference();
        Memory pollFds = new Memory(8L * 64);
        Memory drain = new Memory(64);
        while (true) {
            try {
                for (Child c; (c = registrations.poll()) != null; ) {
                    (c.pidfd >= 0 ? watched : polled).add(c);
                }
                polled.removeIf(c -> tryReap(c, status));

                int n = 1 + watched.size();
                if (pollFds.size() < 8L * n) {
                    pollFds.close();
                    pollFds = new Memory(8L * 2 * n);
                }
                setPollFd(pollFds, 0, wakeReadFd);
                for (int i = 0; i < watched.size(); i++) {
                    setPollFd(pollFds, i + 1, watched.get(i).pidfd);
                }
                int rc = LIB.poll(pollFds, n, polled.isEmpty() ? -1 : POLL_INTERVAL_MS);
                if (rc < 0) {
                    int errno = Native.getLastError();
                    if (errno == PosixSpawnLib.EINTR) {
                        continue;
                    }
                    throw new IOException("poll: " + PosixSpawnLib.describeErrno(errno));
                }
                if (rc == 0) {
                    continue;
                }
                if (pollFds.getShort(6) != 0) {
                    drainWakeups(drain);
                }
                for (int i = watched.size() - 1; i >= 0; i--) {
                    short revents = pollFds.getShort(8L * (i + 1) + 6);
                    if (revents == 0) {
                        continue;
                    }
                    Child c = watched.get(i);
                    if ((revents & PosixSpawnLib.POLLNVAL) != 0) {
                        // Someone closed our pidfd behind our back. Do not close the number: it may
                        // already name somebody else's file. Keep the child on waitpid polling.
                        LOG.warn("pidfd {} of {} was closed by someone else; falling back to polling", c.pidfd, c);
                        c.pidfd = -1;
                        watched.remove(i);
                        polled.add(c);
                        continue;
                    }
                    watched.remove(i);
                    if (!tryReap(c, status)) {
                        // Readable but not reapable should not happen; polling avoids a hot poll() loop.
                        LIB.close(c.pidfd); // the reaper's since register()
                        c.pidfd = -1;
                        polled.add(c);
                    }
                }
            } catch (Throwable t) {
                // Keep the only reaper alive whatever happens; a short pause avoids a hot failure loop.
                LOG.error("child reaper iteration failed", t);
                try {
                    TimeUnit.MILLISECONDS.sleep(POLL_INTERVAL_MS);
                } catch (InterruptedException ignored) {
                    // daemon thread; nobody interrupts it on purpose
                }
            }
        }
    }

    private void drainWakeups(Memory buffer) {
        if (wakeIsEventfd) {
            LIB.read(wakeReadFd, buffer, 8); // one read resets the counter to 0
        } else {
            while (LIB.read(wakeReadFd, buffer, buffer.size()) > 0) {
                // non-blocking pipe: read until EAGAIN
            }
        }
    }

    private static void setPollFd(Memory fds, int index, int fd) {
        long at = 8L * index;
        fds.setInt(at, fd);
        fds.setShort(at + 4, PosixSpawnLib.POLLIN);
        fds.setShort(at + 6, (short) 0);
    }

    /**
     * Reaps the child if it has ended: then closes its pidfd (if any) and hands completion of its
     * future to {@link #COMPLETIONS}, in that order, so that whoever sees the future done also
     * sees no zombie and no pidfd left. Returns false while the child runs.
     */
    private static boolean tryReap(Child c, IntByReference status) {
        int exit;
        IOException lost = null;
        while (true) {
            int r = LIB.waitpid(c.pid, status, PosixSpawnLib.WNOHANG);
            if (r == c.pid) {
                exit = decodeStatus(status.getValue());
                if (exit < 0) {
                    return false; // a stop/continue report (needs WUNTRACED, so not expected)
                }
                break;
            }
            if (r == 0) {
                return false;
            }
            int errno = Native.getLastError();
            if (errno == PosixSpawnLib.EINTR) {
                continue;
            }
            // ECHILD: someone else reaped it (SIGCHLD set to SIG_IGN, or a waitpid(-1) elsewhere).
            lost = new IOException("exit status of " + c + " is lost: waitpid: "
                    + PosixSpawnLib.describeErrno(errno) + " (was it reaped by someone else?)");
            exit = -1;
            break;
        }
        if (c.pidfd >= 0) {
            LIB.close(c.pidfd); // the reaper's since register()
            c.pidfd = -1;
        }
        if (lost != null) {
            IOException error = lost;
            COMPLETIONS.execute(() -> c.exit.completeExceptionally(error));
        } else {
            int code = exit;
            c.exit.completeAsync(() -> code, COMPLETIONS);
        }
        return true;
    }

    /** Exit status, or 128 + signal number; -1 for a stop/continue report. */
    static int decodeStatus(int status) {
        int low = status & 0x7f;
        if (low == 0) {
            return (status >> 8) & 0xff;     // WIFEXITED -> WEXITSTATUS
        }
        if (low != 0x7f) {
            return 128 + low;                // WIFSIGNALED -> 128 + WTERMSIG
        }
        return -1;                           // WIFSTOPPED
    }
}

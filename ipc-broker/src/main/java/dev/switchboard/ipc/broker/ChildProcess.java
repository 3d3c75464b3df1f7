package dev.switchboard.ipc.broker;

import dev.switchboard.ipc.spi.ProcessSpawner;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A child started by {@link ChildProcessLauncher}. Switchboard reaps it: it never lingers as a zombie. */
public final class ChildProcess {

    private final ProcessSpawner.Spawned spawned;

    ChildProcess(ProcessSpawner.Spawned spawned) {
        this.spawned = spawned;
    }

    /** {@return the process id} */
    public long pid() {
        return spawned.pid();
    }

    /**
     * Returns a future of the child's end; completing or cancelling it does not affect the child.
     *
     * @return completes with the exit status, or 128 + the signal number when a signal ended it
     */
    public CompletableFuture<Integer> onExit() {
        return spawned.exitCode().copy();
    }

    /** {@return true until the child has exited and been reaped} */
    public boolean isAlive() {
        return !spawned.exitCode().isDone();
    }

    /** {@return the process, for the JDK's process APIs (info, descendants); empty once it is gone} */
    public Optional<ProcessHandle> toHandle() {
        return ProcessHandle.of(pid());
    }

    /** Asks the process to end (SIGTERM on POSIX). */
    public void destroy() {
        toHandle().ifPresent(ProcessHandle::destroy);
    }

    /** Ends the process now (SIGKILL on POSIX). */
    public void destroyForcibly() {
        toHandle().ifPresent(ProcessHandle::destroyForcibly);
    }

    @Override
    public String toString() {
        return "ChildProcess(pid " + pid() + ")";
    }
}

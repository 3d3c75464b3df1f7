package dev.switchboard.ipc.transport.unix;

import dev.switchboard.ipc.spi.FrameChannel;
import dev.switchboard.ipc.spi.HandleOps;
import dev.switchboard.ipc.spi.NamedChannels;
import dev.switchboard.ipc.spi.ProcessSpawner;
import dev.switchboard.ipc.spi.SandboxOps;
import dev.switchboard.ipc.spi.SharedMemoryOps;
import dev.switchboard.ipc.spi.Transport;
import dev.switchboard.ipc.wire.Limits;
import java.io.IOException;
import java.util.Locale;

/**
 * Internal: the Linux and macOS transport: AF_UNIX stream sockets carrying frames and SCM_RIGHTS
 * descriptors on a shared Netty event loop, posix_spawn for children, named sockets for the
 * command-line route. Registered for {@link java.util.ServiceLoader}.
 */
public final class UnixTransport implements Transport {

    private final HandleOps handles = new UnixHandleOps();
    private volatile ProcessSpawner spawner;
    private volatile NamedChannels named;

    @Override
    public String name() {
        return "unix";
    }

    @Override
    public boolean isSupported() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        return os.contains("linux") || os.contains("mac");
    }

    @Override
    public HandleOps handles() {
        return handles;
    }

    @Override
    public long[] createChannelPair() throws IOException {
        return UnixSocketPairs.create();
    }

    @Override
    public FrameChannel open(long handle, Limits limits, FrameChannel.Listener listener) throws IOException {
        return UnixFrameChannel.open(handle, limits, listener, handles);
    }

    @Override
    public ProcessSpawner spawner() {
        ProcessSpawner s = spawner;
        if (s == null) {
            synchronized (this) {
                s = spawner;
                if (s == null) {
                    // constructing it checks libc for what launching needs and says what is missing
                    spawner = s = new PosixSpawner();
                }
            }
        }
        return s;
    }

    @Override
    public NamedChannels namedChannels() {
        NamedChannels n = named;
        if (n == null) {
            synchronized (this) {
                n = named;
                if (n == null) {
                    named = n = new UnixNamedChannels();
                }
            }
        }
        return n;
    }

    /** Linux only: SOCK_SEQPACKET, MSG_CMSG_CLOEXEC and memfd have no macOS equivalents. */
    @Override
    public SandboxOps sandboxOps() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return Transport.super.sandboxOps();
        }
        return SandboxOpsHolder.INSTANCE;
    }

    /** Linux only so far: memfd and its seals; macOS would need shm_open (docs/shared-memory.md). */
    @Override
    public SharedMemoryOps sharedMemory() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return Transport.super.sharedMemory();
        }
        return SharedMemoryHolder.INSTANCE;
    }

    private static final class SharedMemoryHolder {
        static final SharedMemoryOps INSTANCE = new UnixSharedMemoryOps();
    }

    private static final class SandboxOpsHolder {
        static final SandboxOps INSTANCE = new UnixSandboxOps();
    }
}

package dev.switchboard.ipc.spi;

import dev.switchboard.ipc.wire.Limits;
import java.io.IOException;

/**
 * Transport SPI: what an operating system gives Switchboard: handles, channels that carry frames with handles,
 * process launching and named channels. Implementations are found with {@link java.util.ServiceLoader};
 * the one with the highest {@link #priority()} among the {@link #isSupported() supported} ones wins.
 *
 * <p>Handles cross this interface as raw {@code long} values (an fd on POSIX, a HANDLE on Windows).
 * Every method says whether it takes ownership of a handle it is given; docs/architecture.md has
 * the rule.
 */
public interface Transport {

    /** Short name for logs and errors, e.g. {@code "unix"}. */
    String name();

    /** True when this transport can run on the current OS. Must not throw. */
    boolean isSupported();

    /** Higher wins when several transports are supported. */
    default int priority() {
        return 0;
    }

    HandleOps handles();

    /** A connected pair of channel endpoints (a socketpair on POSIX). The caller owns both. */
    long[] createChannelPair() throws IOException;

    /**
     * Starts framed I/O on a connected channel endpoint. Takes ownership of {@code handle}
     * (also when this throws). The listener is called on an I/O thread.
     */
    FrameChannel open(long handle, Limits limits, FrameChannel.Listener listener) throws IOException;

    ProcessSpawner spawner();

    NamedChannels namedChannels();

    /**
     * The operations behind the sandbox IPC channel (docs/sandbox-ipc.md).
     *
     * @throws UnsupportedOperationException when this transport or OS has none (the default)
     */
    default SandboxOps sandboxOps() {
        throw new UnsupportedOperationException("the " + name() + " transport has no sandbox IPC channel on "
                + System.getProperty("os.name"));
    }

    /**
     * The operations behind {@link dev.switchboard.ipc.SharedBuffer} (docs/shared-memory.md).
     *
     * @throws UnsupportedOperationException when this transport or OS has none (the default)
     */
    default SharedMemoryOps sharedMemory() {
        throw new UnsupportedOperationException("the " + name() + " transport has no shared memory on "
                + System.getProperty("os.name"));
    }
}

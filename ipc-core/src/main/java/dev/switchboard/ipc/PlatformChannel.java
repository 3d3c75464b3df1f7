package dev.switchboard.ipc;

import dev.switchboard.ipc.spi.HandleOps;
import dev.switchboard.ipc.spi.Transports;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A connected pair of OS channel endpoints: a socketpair on Linux and macOS. The local endpoint
 * goes to {@code OutgoingInvitation.send}, the remote one to the child through
 * {@code ChildProcessLauncher.passEndpoint}. Whatever is not taken is closed by {@link #close()}.
 */
public final class PlatformChannel implements AutoCloseable {

    private PlatformChannelEndpoint local;
    private PlatformChannelEndpoint remote;

    private PlatformChannel(PlatformChannelEndpoint local, PlatformChannelEndpoint remote) {
        this.local = local;
        this.remote = remote;
    }

    /**
     * Creates a connected pair of endpoints.
     *
     * @return the pair; the caller closes it
     * @throws java.io.UncheckedIOException when the transport cannot create one
     */
    public static PlatformChannel create() {
        HandleOps ops = Transports.get().handles();
        long[] pair;
        try {
            pair = Transports.get().createChannelPair();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a platform channel", e);
        }
        return new PlatformChannel(new PlatformChannelEndpoint(PlatformHandle.adopt(pair[0], ops)),
                new PlatformChannelEndpoint(PlatformHandle.adopt(pair[1], ops)));
    }

    /**
     * Moves the end this process keeps to the caller.
     *
     * @return the local endpoint, owned by the caller
     * @throws IllegalStateException when it was already taken
     */
    public synchronized PlatformChannelEndpoint takeLocalEndpoint() {
        PlatformChannelEndpoint e = local;
        if (e == null) {
            throw new IllegalStateException("local endpoint already taken");
        }
        local = null;
        return e;
    }

    /**
     * Moves the end for the child to the caller.
     *
     * @return the remote endpoint, owned by the caller
     * @throws IllegalStateException when it was already taken
     */
    public synchronized PlatformChannelEndpoint takeRemoteEndpoint() {
        PlatformChannelEndpoint e = remote;
        if (e == null) {
            throw new IllegalStateException("remote endpoint already taken");
        }
        remote = null;
        return e;
    }

    /** Closes the endpoints that were not taken. */
    @Override
    public synchronized void close() {
        if (local != null) {
            local.close();
            local = null;
        }
        if (remote != null) {
            remote.close();
            remote = null;
        }
    }
}

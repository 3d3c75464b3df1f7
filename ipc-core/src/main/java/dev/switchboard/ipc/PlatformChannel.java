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

    /** The end this process keeps. */
    public synchronized PlatformChannelEndpoint takeLocalEndpoint() {
        PlatformChannelEndpoint e = local;
        if (e == null) {
            throw new IllegalStateException("local endpoint already taken");
        }
        local = null;
        return e;
    }

    /** The end for the child. */
    public synchronized PlatformChannelEndpoint takeRemoteEndpoint() {
        PlatformChannelEndpoint e = remote;
        if (e == null) {
            throw new IllegalStateException("remote endpoint already taken");
        }
        remote = null;
        return e;
    }

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

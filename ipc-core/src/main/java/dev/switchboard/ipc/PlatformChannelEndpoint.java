package dev.switchboard.ipc;

import dev.switchboard.ipc.spi.Transports;
import dev.switchboard.ipc.wire.Id128;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Optional;

/**
 * One end of an OS channel (a connected socket on POSIX, a pipe on Windows) before Switchboard
 * runs messages over it. It owns its handle until {@link #takeHandle()}.
 */
public final class PlatformChannelEndpoint implements AutoCloseable {

    /** The command-line switch that tells a child where its endpoint is. */
    public static final String SWITCH = "--switchboard-platform-channel";
    /** The system property a Java child launched by {@code ChildProcessLauncher.forJava} also gets. */
    public static final String PROPERTY = "switchboard.platformChannel";

    private final PlatformHandle handle;

    /**
     * Wraps a connected channel handle.
     *
     * @param handle the handle, now owned by this endpoint
     */
    public PlatformChannelEndpoint(PlatformHandle handle) {
        this.handle = handle;
    }

    /** {@return the handle, still owned by this endpoint} */
    public PlatformHandle handle() {
        return handle;
    }

    /** {@return true while this endpoint still owns its handle} */
    public boolean isValid() {
        return handle.isValid();
    }

    /**
     * Moves the handle to the caller; this endpoint is then invalid.
     *
     * @return the handle; the caller closes it
     * @throws IllegalStateException when the handle was already taken or closed
     */
    public PlatformHandle takeHandle() {
        return PlatformHandle.adopt(handle.release(), Transports.get().handles());
    }

    /** Closes the handle if this endpoint still owns it. */
    @Override
    public void close() {
        handle.close();
    }

    /**
     * The value of {@link #SWITCH} in {@code args} ({@code --switchboard-platform-channel=VALUE}
     * or the value as the next argument).
     *
     * @param args a child's command-line arguments
     * @return the value, or empty when the switch is absent
     */
    public static Optional<String> findSwitch(String[] args) {
        return findSwitch(args, SWITCH);
    }

    /**
     * Finds the value of any {@code --name=VALUE} (or {@code --name VALUE}) switch in {@code args}.
     *
     * @param args command-line arguments
     * @param name the switch, with its leading dashes
     * @return the value, or empty when the switch is absent
     */
    public static Optional<String> findSwitch(String[] args, String name) {
        String prefix = name + "=";
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith(prefix)) {
                return Optional.of(args[i].substring(prefix.length()));
            }
            if (args[i].equals(name) && i + 1 < args.length) {
                return Optional.of(args[i + 1]);
            }
        }
        return Optional.empty();
    }

    /**
     * Recovers the endpoint a launcher passed: {@code fd:N} adopts inherited descriptor N;
     * {@code unix:PATH;token=HEX} and {@code abstract:NAME;token=HEX} connect to a
     * {@link NamedPlatformChannel} and prove the token.
     *
     * @param value the switch value the launcher passed
     * @param connectTimeout for a named channel, how long to wait for it to accept
     * @return the endpoint, owned by the caller
     * @throws IllegalArgumentException when {@code value} is malformed
     * @throws java.io.UncheckedIOException when the descriptor is not open or the connection fails
     */
    public static PlatformChannelEndpoint fromSwitchValue(String value, Duration connectTimeout) {
        if (value.startsWith("fd:")) {
            long fd;
            try {
                fd = Long.parseLong(value.substring(3));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad platform channel switch '" + value + "': fd:N expected");
            }
            if (fd < 0) {
                throw new IllegalArgumentException("bad platform channel switch '" + value + "': negative fd");
            }
            var ops = Transports.get().handles();
            try {
                // inherited without FD_CLOEXEC by design; our own children must not get it too
                ops.setNotInheritable(fd);
            } catch (IOException e) {
                throw new UncheckedIOException("platform channel " + value + " is not an open descriptor", e);
            }
            return new PlatformChannelEndpoint(PlatformHandle.adopt(fd, ops));
        }
        int t = value.lastIndexOf(";token=");
        if (t < 0) {
            throw new IllegalArgumentException("bad platform channel switch '" + value
                    + "': expected fd:N, unix:PATH;token=HEX or abstract:NAME;token=HEX");
        }
        Id128 token = Id128.fromHex(value.substring(t + ";token=".length()));
        try {
            long h = Transports.get().namedChannels().connect(value.substring(0, t), token, connectTimeout);
            return new PlatformChannelEndpoint(PlatformHandle.adopt(h));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to named channel " + value.substring(0, t), e);
        }
    }
}

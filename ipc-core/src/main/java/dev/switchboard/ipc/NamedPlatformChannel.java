package dev.switchboard.ipc;

import dev.switchboard.ipc.spi.NamedChannels;
import dev.switchboard.ipc.spi.Transports;
import dev.switchboard.ipc.wire.Id128;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A listening channel reached by name, for a child that was not launched with an inherited
 * endpoint: its name and a one-time token go on the child's command line
 * ({@link #switchValue()}), the child connects and proves the token, and exactly one such
 * connection is accepted. Connections from another user, without the token, or malformed are
 * refused, so a stranger that connects first cannot take the child's place. Prefaces are read
 * side by side, each with its own timeout (2 s), so strangers that connect and say nothing cannot
 * hold the child up; at most 16 connections await their preface at once, and a newer one evicts
 * the oldest.
 *
 * <p>On Linux and macOS the name is a socket file in a fresh directory only this user can enter,
 * or (Linux, {@link Options#abstractNamespace()}) an abstract socket name.
 */
public final class NamedPlatformChannel implements AutoCloseable {

    /**
     * How a named channel listens.
     *
     * @param abstractNamespace Linux: use the abstract socket namespace, no file at all
     * @param acceptTimeout how long {@link #acceptOne()} waits for the child before it fails
     */
    public record Options(boolean abstractNamespace, Duration acceptTimeout) {
        /** A socket file, and 30 seconds for the child to connect. */
        public static final Options DEFAULT = new Options(false, Duration.ofSeconds(30));
    }

    private final NamedChannels.Server server;
    private final Id128 token = Id128.random();
    private final Options options;

    private NamedPlatformChannel(NamedChannels.Server server, Options options) {
        this.server = server;
        this.options = options;
    }

    /**
     * Starts listening with {@link Options#DEFAULT}.
     *
     * @return the channel; the caller closes it
     * @throws java.io.UncheckedIOException when the transport cannot listen
     */
    public static NamedPlatformChannel create() {
        return create(Options.DEFAULT);
    }

    /**
     * Starts listening.
     *
     * @param options where and how long to listen
     * @return the channel; the caller closes it
     * @throws java.io.UncheckedIOException when the transport cannot listen
     */
    public static NamedPlatformChannel create(Options options) {
        try {
            return new NamedPlatformChannel(Transports.get().namedChannels()
                    .listen(new NamedChannels.Options(options.abstractNamespace())), options);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a named platform channel", e);
        }
    }

    /** {@return where it listens, e.g. {@code unix:/tmp/switchboard-123/channel.sock}} */
    public String address() {
        return server.address();
    }

    /**
     * Returns what the child needs: the address and the token.
     *
     * @return the value for the child's {@link PlatformChannelEndpoint#SWITCH}; a secret, so keep it
     *     off logs
     */
    public String switchValue() {
        return server.address() + ";token=" + token.toHex();
    }

    /**
     * Waits (without blocking the caller) for the one verified connection. The listening name is
     * removed when this completes.
     *
     * @return completes with the child's endpoint, owned by the caller, or fails on timeout or
     *     {@link #close()}
     */
    public CompletableFuture<PlatformChannelEndpoint> acceptOne() {
        return server.acceptOne(token, options.acceptTimeout())
                .thenApply(h -> new PlatformChannelEndpoint(PlatformHandle.adopt(h)));
    }

    /** {@return how many connections were refused so far} */
    public int refusedConnections() {
        return server.refusedCount();
    }

    /** Stops listening; a pending {@link #acceptOne()} fails. */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

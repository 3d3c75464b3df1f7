package dev.switchboard.ipc.spi;

import dev.switchboard.ipc.wire.Id128;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Transport SPI: channels reached by a name (a socket path, an abstract name, a pipe name) instead of an inherited handle. */
public interface NamedChannels {

    /**
     * @param abstractNamespace Linux only: use the abstract socket namespace instead of a
     *     socket file in a fresh private directory
     */
    record Options(boolean abstractNamespace) {
        public static final Options DEFAULT = new Options(false);
    }

    /** Starts listening on a fresh, private name. */
    Server listen(Options options) throws IOException;

    /**
     * Connects to {@code address} and sends the CONNECT preface with {@code token}. The caller
     * owns the returned handle.
     */
    long connect(String address, Id128 token, Duration timeout) throws IOException;

    /** A listening endpoint that hands out exactly one verified connection. */
    interface Server extends Closeable {

        /** What goes on the child's command line. */
        String address();

        /**
         * Accepts connections until one comes from this process's own user and presents
         * {@code token} in a CONNECT frame; every other connection is closed. Completes with the
         * connected handle (the caller owns it), or exceptionally on timeout or close. The
         * listening socket is closed when this completes.
         */
        CompletableFuture<Long> acceptOne(Id128 token, Duration timeout);

        /** Connections refused so far (wrong user, wrong token, malformed preface). */
        int refusedCount();
    }
}

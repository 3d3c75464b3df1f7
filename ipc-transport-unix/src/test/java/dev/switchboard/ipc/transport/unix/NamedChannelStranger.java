package dev.switchboard.ipc.transport.unix;

import dev.switchboard.ipc.wire.Id128;
import java.time.Duration;

/**
 * Run in a separate JVM by NamedChannelsTest: connects to the address in args[0] the way a real
 * child would, but with a token of its own. Exits 0 when the server hangs up on it (refused), 3
 * when the server sends anything instead.
 */
public final class NamedChannelStranger {

    public static void main(String[] args) throws Exception {
        long fd = new UnixNamedChannels().connect(args[0], Id128.random(), Duration.ofSeconds(10));
        try {
            boolean eof = RawFds.seesEof(fd, Duration.ofSeconds(10));
            System.out.println(eof ? "refused" : "server sent data");
            System.exit(eof ? 0 : 3);
        } finally {
            NamedChannelLib.closeQuietly(fd);
        }
    }
}

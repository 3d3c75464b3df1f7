package dev.switchboard.ipc.broker;

import dev.switchboard.ipc.spi.Transports;
import dev.switchboard.ipc.wire.Id128;
import java.io.FileInputStream;
import java.time.Duration;

/**
 * Connects to a named channel (args[0]) with a token it made up, prints "connected", then
 * waits for the server to hang up and prints "refused".
 */
public final class Stranger {
    public static void main(String[] args) throws Exception {
        long fd = Transports.get().namedChannels().connect(args[0], Id128.random(), Duration.ofSeconds(10));
        System.out.println("connected");
        System.out.flush();
        try (FileInputStream in = new FileInputStream(Transports.get().handles().toFileDescriptor(fd))) {
            while (in.read() >= 0) {
                // nothing is ever sent to a stranger
            }
        }
        System.out.println("refused");
    }
}

package dev.switchboard.ipc.ports;

import dev.switchboard.ipc.wire.Id128;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.function.Supplier;

/**
 * Unpredictable port names. Names are capabilities of a sort (an event must name its target), so
 * they come from a {@link SecureRandom}; drawing 4 KiB at a time keeps that cost out of every
 * message that moves a port.
 */
final class RandomPortNames implements Supplier<Id128> {

    static final RandomPortNames INSTANCE = new RandomPortNames();

    private final SecureRandom random = new SecureRandom();
    private final ByteBuffer cache = ByteBuffer.allocate(4096);

    private RandomPortNames() {
        cache.position(cache.limit());
    }

    @Override
    public synchronized Id128 get() {
        while (true) {
            if (cache.remaining() < Id128.SIZE) {
                random.nextBytes(cache.array());
                cache.clear();
            }
            Id128 id = new Id128(cache.getLong(), cache.getLong());
            if (!EventChecks.ZERO.equals(id)) {
                return id;
            }
        }
    }
}

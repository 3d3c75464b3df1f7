package dev.switchboard.ipc.ring;

import java.nio.ByteBuffer;

/**
 * The memory a ring lives in: its control block followed by its data area
 * ({@link RingLayout#regionBytes}). Tests hand in a direct buffer; between processes it is a
 * shared mapping that both ends map.
 */
@FunctionalInterface
public interface RingRegion {

    /**
     * The whole region, from its first byte, as a direct buffer whose first byte is 8-byte
     * aligned (a page-aligned mapping is), so the control words can be read and written
     * atomically. The ring reads and writes it by absolute index only and never moves its
     * position or limit.
     */
    ByteBuffer buffer();
}

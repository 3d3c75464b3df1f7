package dev.switchboard.ipc;

import dev.switchboard.ipc.ring.RingRegion;

/**
 * The memory one end of a data pipe maps, and the handle that lets it travel. Owned by the end:
 * {@link #close()} unmaps it; {@link #detach()} unmaps it and hands back the handle, for a
 * message to carry.
 */
interface RingMemory extends RingRegion, AutoCloseable {

    /** Unmaps the memory and gives up the handle to it, which the caller now owns. */
    Handle detach();

    /** Unmaps the memory and closes the handle. Idempotent. */
    @Override
    void close();
}

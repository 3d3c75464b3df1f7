package dev.switchboard.ipc;

import java.nio.ByteBuffer;

/** A data pipe's ring in a {@link SharedBuffer}, mapped whole into this process. */
final class SharedRingMemory implements RingMemory {

    private final SharedBuffer buffer;
    private final SharedMapping mapping;
    private final ByteBuffer view;
    private boolean done; // guarded by this

    /** Maps {@code buffer}; takes ownership of it (closed here if the mapping fails). */
    SharedRingMemory(SharedBuffer buffer) {
        this.buffer = buffer;
        try {
            this.mapping = buffer.map();
        } catch (RuntimeException e) {
            buffer.close();
            throw e;
        }
        this.view = mapping.buffer();
    }

    @Override
    public ByteBuffer buffer() {
        return view;
    }

    @Override
    public synchronized Handle detach() {
        if (done) {
            throw new IllegalStateException("ring memory was closed or detached");
        }
        done = true;
        mapping.close();
        return buffer;
    }

    @Override
    public synchronized void close() {
        if (done) {
            return;
        }
        done = true;
        mapping.close();
        buffer.close();
    }
}

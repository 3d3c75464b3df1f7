package dev.switchboard.ipc;

import dev.switchboard.ipc.node.BrokerAllocation;
import dev.switchboard.ipc.node.NodeController;
import dev.switchboard.ipc.spi.HandleOps;
import dev.switchboard.ipc.spi.SharedMemoryOps;
import dev.switchboard.ipc.spi.Transport;
import dev.switchboard.ipc.spi.Transports;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.SharedMemoryLimits;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeoutException;

/**
 * A handle to a region of memory that several processes map at once (docs/shared-memory.md). It
 * travels in a {@link Message} like any other handle; the receiver's kernel checks on arrival that
 * it is what the sender claims (its size, and whether it is read-only).
 *
 * <p>A buffer is either <b>writable</b> ({@link #create}, and {@link #duplicate()} of a writable
 * one: every holder may write, and sees the others' writes) or <b>read-only</b>
 * ({@link #readOnlyCopy()}: nobody holding it can write, by any route the OS offers, while the
 * writable mappings that existed when the copy was made keep writing). Taking a read-only copy
 * seals the whole region against new writers: afterwards {@link #map()} gives read-only mappings
 * on every handle to it, writable ones included. So map the region for writing first, then hand
 * out read-only copies.
 *
 * <p>Ownership: exactly one owner closes each SharedBuffer. Putting it in a message moves it (this
 * object is then invalid). A {@link SharedMapping} has its own lifetime: it stays valid after the
 * buffer it came from is closed, and is unmapped when it is closed.
 *
 * <p>Thread-safe. Linux only so far (a memfd); elsewhere {@link #create} throws
 * {@link UnsupportedOperationException}.
 */
public final class SharedBuffer implements Handle {

    /** How long {@link #createByBroker} waits for the broker. */
    private static final Duration BROKER_TIMEOUT = Duration.ofSeconds(30);

    private final SharedMemoryOps memory;
    private final HandleOps handles;
    private final SharedRegion region;
    private final boolean readOnly;
    private long fd; // guarded by this
    private boolean valid; // guarded by this

    private SharedBuffer(SharedMemoryOps memory, HandleOps handles, SharedRegion region, long fd, boolean readOnly) {
        this.memory = memory;
        this.handles = handles;
        this.region = region;
        this.fd = fd;
        this.readOnly = readOnly;
        this.valid = true;
    }

    /**
     * Creates a writable buffer of {@code size} zero bytes.
     *
     * @param size bytes, 1 to {@link SharedMemoryLimits#maxBufferBytes()}
     * @return the buffer, owned by the caller
     * @throws SharedMemoryLimitException when the size, or the total this process holds, passes
     *     {@link SharedMemoryLimits#current()}
     * @throws UncheckedIOException when the OS refuses
     * @throws UnsupportedOperationException on an OS without shared memory support
     */
    public static SharedBuffer create(long size) {
        Transport t = Transports.get();
        SharedMemoryOps memory = t.sharedMemory();
        SharedRegion region = SharedRegion.reserve(size, SharedMemoryLimits.current());
        try {
            return new SharedBuffer(memory, t.handles(), region, memory.create(size), false);
        } catch (IOException | RuntimeException e) {
            region.release();
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot create a " + size + "-byte shared buffer", io);
            }
            throw (RuntimeException) e;
        }
    }

    /**
     * Creates a writable buffer of {@code size} zero bytes through this process's broker, for a
     * process that may not create memory itself (a sandbox that forbids memfd_create). The broker
     * creates it and sends it over the node channel; an untrusted child's requests are bounded by
     * the broker's quota ({@link SharedMemoryLimits#untrustedQuotaBytes()},
     * {@link SharedMemoryLimits#untrustedQuotaBuffers()}), and a refusal is an exception here, not a
     * lost connection. In a process that joined no graph (the broker itself, or one linked only by
     * isolated invitations) this is {@link #create}. Waits for the broker's answer, up to 30 seconds.
     *
     * @param size bytes, 1 to {@link SharedMemoryLimits#maxBufferBytes()} of both processes
     * @return the buffer, owned by the caller; it counts against this process's total like one
     *     created here
     * @throws SharedMemoryLimitException when this process's limits or the broker's refuse it
     *     ({@link SharedMemoryLimitException#kind()} says which)
     * @throws UncheckedIOException when the broker could not create it, did not answer in time, or
     *     its channel closed first
     * @throws IllegalStateException on an I/O thread
     */
    public static SharedBuffer createByBroker(long size) {
        NodeController controller = NodeController.get();
        if (controller.isBroker()) {
            return create(size);
        }
        SharedRegion region = SharedRegion.reserve(size, SharedMemoryLimits.current());
        BrokerAllocation a;
        try {
            a = controller.allocateSharedBuffer(size, BROKER_TIMEOUT);
        } catch (IOException e) {
            region.release();
            throw new UncheckedIOException("the broker did not create a " + size + "-byte shared buffer", e);
        } catch (TimeoutException e) {
            region.release();
            throw new UncheckedIOException(new IOException("the broker did not answer within " + BROKER_TIMEOUT, e));
        } catch (InterruptedException e) {
            region.release();
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new InterruptedIOException("interrupted while waiting for the broker"));
        } catch (RuntimeException e) {
            region.release();
            throw e;
        }
        switch (a.status()) {
            case FrameBody.SharedBufferAllocated.OK -> {
                Transport t = Transports.get();
                return new SharedBuffer(t.sharedMemory(), t.handles(), region, a.fd(), false);
            }
            case FrameBody.SharedBufferAllocated.QUOTA_BYTES -> {
                region.release();
                throw new SharedMemoryLimitException(SharedMemoryLimitException.Kind.QUOTA_BYTES, a.reason());
            }
            case FrameBody.SharedBufferAllocated.QUOTA_COUNT -> {
                region.release();
                throw new SharedMemoryLimitException(SharedMemoryLimitException.Kind.QUOTA_COUNT, a.reason());
            }
            case FrameBody.SharedBufferAllocated.TOO_LARGE -> {
                region.release();
                throw new SharedMemoryLimitException(SharedMemoryLimitException.Kind.BUFFER_SIZE, a.reason());
            }
            default -> {
                region.release();
                throw new UncheckedIOException(new IOException("the broker could not create a " + size + "-byte shared buffer: " + a.reason()));
            }
        }
    }

    /**
     * Takes ownership of a descriptor that arrived some other way than in a {@link Message} (for
     * example from the sandbox channel), after the same checks a message's buffer gets: the file's
     * size is sealed, it has at least {@code size} bytes, and it is read-only exactly when
     * {@code readOnly} says so.
     *
     * @param handle the descriptor; moved into the result, or closed when the checks fail
     * @param size the size the sender declared
     * @param readOnly whether the sender declared it read-only
     * @return the buffer, owned by the caller
     * @throws InvalidSharedBufferException when the descriptor is not what was declared (it is closed)
     * @throws SharedMemoryLimitException when {@code size} passes {@link SharedMemoryLimits#maxBufferBytes()}
     *     (the descriptor is closed)
     */
    public static SharedBuffer fromHandle(PlatformHandle handle, long size, boolean readOnly) {
        Objects.requireNonNull(handle, "handle");
        Transport t = Transports.get();
        long raw = handle.release();
        try {
            long max = SharedMemoryLimits.current().maxBufferBytes();
            if (size < 1 || size > max) {
                throw new SharedMemoryLimitException(SharedMemoryLimitException.Kind.BUFFER_SIZE,
                        "a shared buffer holds 1 to " + max + " bytes; this one claims " + size);
            }
            SharedMemoryOps.RegionInfo info;
            try {
                info = t.sharedMemory().inspect(raw);
            } catch (IOException e) {
                throw new InvalidSharedBufferException("not a sealable shared-memory file: " + e.getMessage());
            }
            String wrong = info.mismatch(size, readOnly);
            if (wrong != null) {
                throw new InvalidSharedBufferException(wrong);
            }
        } catch (RuntimeException e) {
            t.handles().close(raw);
            throw e;
        }
        return arrived(raw, size, readOnly, t.handles());
    }

    /** A buffer whose descriptor arrived and was checked. Takes ownership of {@code fd}. */
    static SharedBuffer arrived(long fd, long size, boolean readOnly, HandleOps handles) {
        return new SharedBuffer(Transports.get().sharedMemory(), handles, SharedRegion.foreign(size, readOnly), fd, readOnly);
    }

    /** {@return bytes of shared memory created in this process and still held by a handle or mapping here} */
    public static long bytesHeld() {
        return SharedRegion.heldBytes();
    }

    /** {@return its size in bytes} */
    public long size() {
        return region.size();
    }

    /** {@return true when nobody holding this handle can write to the memory} */
    public boolean isReadOnly() {
        return readOnly;
    }

    /** {@return true while this object owns its handle (not closed, and not moved into a message)} */
    public synchronized boolean isValid() {
        return valid;
    }

    /**
     * Maps the whole buffer: writable for a writable buffer whose region has not been sealed by
     * {@link #readOnlyCopy()}, read-only otherwise.
     *
     * @return the mapping, owned by the caller, who closes it
     * @throws IllegalStateException when the buffer was closed or moved, or is 2 GiB or larger
     *     (map parts of it with {@link #map(long, int)})
     * @throws UncheckedIOException when the OS refuses
     */
    public SharedMapping map() {
        if (size() > Integer.MAX_VALUE) {
            throw new IllegalStateException("a mapping covers less than 2 GiB; map parts of this " + size() + "-byte buffer");
        }
        return map(0, (int) size());
    }

    /**
     * Maps {@code length} bytes from {@code offset}; any offset will do.
     *
     * @param offset first byte, from 0
     * @param length bytes, at least 1; {@code offset + length} at most {@link #size()}
     * @return the mapping, owned by the caller, who closes it
     * @throws IndexOutOfBoundsException when the range is not inside the buffer
     * @throws IllegalStateException when the buffer was closed or moved
     * @throws UncheckedIOException when the OS refuses
     */
    public SharedMapping map(long offset, int length) {
        if (offset < 0 || length < 1 || offset > size() - length) {
            throw new IndexOutOfBoundsException("range " + offset + "+" + length + " is not inside a " + size() + "-byte buffer");
        }
        synchronized (this) {
            checkValid();
            int page = memory.pageSize();
            long start = offset - offset % page;
            int lead = (int) (offset - start);
            if (length > Integer.MAX_VALUE - lead) {
                throw new IllegalStateException("a mapping covers less than 2 GiB");
            }
            boolean writable = !readOnly && !region.isWriteSealed();
            SharedMemoryOps.Mapping m;
            try {
                m = memory.map(fd, start, lead + length, writable);
            } catch (IOException e) {
                if (!writable || !sealedAgainstWriting()) {
                    throw new UncheckedIOException("cannot map " + length + " bytes of a shared buffer", e);
                }
                // another process holding the region sealed it (took a read-only copy)
                writable = false;
                try {
                    m = memory.map(fd, start, lead + length, false);
                } catch (IOException again) {
                    throw new UncheckedIOException("cannot map " + length + " bytes of a shared buffer", again);
                }
            }
            region.retain();
            return new SharedMapping(region, m, offset, lead, length, !writable);
        }
    }

    private boolean sealedAgainstWriting() {
        try {
            if (memory.inspect(fd).writeSealed()) {
                region.markWriteSealed();
                return true;
            }
        } catch (IOException e) {
            // not sealed as far as we can tell; report the original failure
        }
        return false;
    }

    /**
     * Another handle to the same memory, with the same mode: writable for a writable buffer, and
     * read-only for a read-only one.
     *
     * @return the handle, owned by the caller
     * @throws IllegalStateException when this buffer was closed or moved
     * @throws UncheckedIOException when the OS refuses
     */
    public synchronized SharedBuffer duplicate() {
        checkValid();
        long copy;
        try {
            copy = handles.duplicate(fd);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot duplicate a shared buffer", e);
        }
        region.retain();
        return new SharedBuffer(memory, handles, region, copy, readOnly);
    }

    /**
     * A read-only handle to the same memory. The first call seals the region against writing
     * through any handle in any process: mappings that are writable already stay writable (so the
     * creator keeps writing through the mapping it has), every later mapping is read-only. A
     * receiver of the copy can neither map it writable, nor make its mapping writable, nor re-open
     * it for writing.
     *
     * @return the read-only handle, owned by the caller
     * @throws IllegalStateException when this buffer was closed or moved
     * @throws UncheckedIOException when the OS refuses
     */
    public synchronized SharedBuffer readOnlyCopy() {
        checkValid();
        if (readOnly) {
            return duplicate();
        }
        long copy;
        try {
            copy = memory.readOnlyCopy(fd);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a read-only copy of a shared buffer", e);
        }
        region.markWriteSealed();
        region.retain();
        return new SharedBuffer(memory, handles, region, copy, true);
    }

    /**
     * Gives up the descriptor for a message that carries it away. Package-private: only
     * {@link MessagePipe} moves buffers.
     */
    synchronized long releaseForTransfer() {
        checkValid();
        valid = false;
        region.release();
        return fd;
    }

    /** Closes the handle if this object still owns it. Mappings made from it stay valid. Idempotent. */
    @Override
    public void close() {
        long v;
        synchronized (this) {
            if (!valid) {
                return;
            }
            valid = false;
            v = fd;
        }
        handles.close(v);
        region.release();
    }

    private void checkValid() {
        if (!valid) {
            throw new IllegalStateException("shared buffer was closed or moved");
        }
    }

    @Override
    public synchronized String toString() {
        return "SharedBuffer(" + size() + " bytes, " + (readOnly ? "read-only" : "writable")
                + (valid ? ", " + handles.describe(fd) : ", moved or closed") + ")";
    }
}

package dev.switchboard.ipc;

import dev.switchboard.ipc.spi.HandleOps;
import dev.switchboard.ipc.spi.Transports;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * An owned OS handle: a file descriptor on Linux and macOS, a HANDLE on Windows.
 *
 * <p>Exactly one owner closes it. A PlatformHandle is closed at most once ({@link #close()} is
 * idempotent), and ownership leaves it only through a method that says so: {@link #release()}
 * hands the raw value to the caller, {@link #toFileDescriptor()} to a Java stream, and writing a
 * {@link Message} that carries it to the {@link MessagePipe}. After any of those, this object is
 * invalid and closing it does nothing.
 *
 * <p>Thread-safe.
 */
public final class PlatformHandle implements Handle {

    private final HandleOps ops;
    private long value;
    private boolean valid;

    private PlatformHandle(HandleOps ops, long value) {
        this.ops = ops;
        this.value = value;
        this.valid = true;
    }

    /**
     * Takes ownership of a raw handle value (an fd on POSIX).
     *
     * @param rawValue the handle; nobody else may close it from now on
     * @return its owner
     */
    public static PlatformHandle adopt(long rawValue) {
        return new PlatformHandle(Transports.get().handles(), rawValue);
    }

    /**
     * Takes ownership of a raw handle value, closing it with {@code ops}. For transports and tests.
     *
     * @param rawValue the handle; nobody else may close it from now on
     * @param ops the transport's handle operations
     * @return its owner
     */
    public static PlatformHandle adopt(long rawValue, HandleOps ops) {
        return new PlatformHandle(ops, rawValue);
    }

    /**
     * A new handle to what {@code fd} refers to (for example an open {@link java.io.FileInputStream}'s
     * file). The caller keeps {@code fd}; the new handle is not inherited by processes spawned later.
     *
     * @param fd an open descriptor, still owned by the caller
     * @return the new handle, owned by the caller
     * @throws java.io.UncheckedIOException when {@code fd} cannot be duplicated
     */
    public static PlatformHandle duplicateOf(FileDescriptor fd) {
        HandleOps ops = Transports.get().handles();
        try {
            return new PlatformHandle(ops, ops.duplicate(fd));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot duplicate " + fd, e);
        }
    }

    /**
     * Returns the raw value while this object still owns it; do not close it.
     *
     * @return the raw value
     * @throws IllegalStateException when the handle was closed or released
     */
    public synchronized long value() {
        checkValid();
        return value;
    }

    /**
     * Returns the raw value as an int file descriptor (POSIX); do not close it.
     *
     * @return the descriptor
     * @throws IllegalStateException when the handle was closed or released
     */
    public int fd() {
        return Math.toIntExact(value());
    }

    /** {@return true while this object owns its handle (not closed, released or moved)} */
    public synchronized boolean isValid() {
        return valid;
    }

    /**
     * Gives up ownership: the caller must close the returned raw value.
     *
     * @return the raw value
     * @throws IllegalStateException when the handle was closed or released
     */
    public synchronized long release() {
        checkValid();
        valid = false;
        return value;
    }

    /**
     * Moves ownership into a {@link FileDescriptor}, for {@code new FileInputStream(fd)} and the like;
     * closing that stream closes the handle.
     *
     * @return the descriptor, owning the handle
     * @throws IllegalStateException when the handle was closed or released
     */
    public FileDescriptor toFileDescriptor() {
        return ops.toFileDescriptor(release());
    }

    /**
     * Duplicates the handle.
     *
     * @return a second handle to the same object, owned by the caller
     * @throws IllegalStateException when the handle was closed or released
     * @throws java.io.UncheckedIOException when the OS refuses
     */
    public PlatformHandle duplicate() {
        long v = value();
        try {
            return new PlatformHandle(ops, ops.duplicate(v));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot duplicate " + ops.describe(v), e);
        }
    }

    /** Closes the handle if this object still owns it. */
    @Override
    public void close() {
        long v;
        synchronized (this) {
            if (!valid) {
                return;
            }
            valid = false;
            v = value;
        }
        ops.close(v);
    }

    private void checkValid() {
        if (!valid) {
            throw new IllegalStateException("handle was closed or released");
        }
    }

    @Override
    public synchronized String toString() {
        return valid ? ops.describe(value) : "PlatformHandle(released)";
    }
}

package dev.switchboard.ipc.spi;

import java.io.FileDescriptor;
import java.io.IOException;

/** Transport SPI: OS operations on raw handle values. */
public interface HandleOps {

    /**
     * Closes the handle. For sockets this must NOT shut the connection down: another process
     * may hold a copy of the same socket.
     */
    void close(long handle);

    /** A new handle to the same object, not inherited by spawned processes. Caller owns it. */
    long duplicate(long handle) throws IOException;

    /** A duplicate of the handle inside {@code fd}; the caller keeps {@code fd} and owns the result. */
    long duplicate(FileDescriptor fd) throws IOException;

    /** Wraps the handle in a {@link FileDescriptor}; ownership moves to whoever closes that descriptor's stream. */
    FileDescriptor toFileDescriptor(long handle);

    /** Marks the handle not inheritable by processes spawned later (FD_CLOEXEC). */
    void setNotInheritable(long handle) throws IOException;

    /** e.g. {@code "fd 7"}. */
    String describe(long handle);
}

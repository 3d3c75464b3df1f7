package dev.switchboard.ipc;

/**
 * Something a {@link Message} can carry besides bytes: an OS handle ({@link PlatformHandle}), a
 * region of shared memory ({@link SharedBuffer}) or
 * one end of a message pipe ({@link MessagePipe}). Writing the message moves it to the receiver.
 */
public sealed interface Handle extends AutoCloseable permits PlatformHandle, MessagePipe, SharedBuffer {

    /** Closes it if this process still owns it. Idempotent. */
    @Override
    void close();
}

package dev.switchboard.ipc;

import dev.switchboard.ipc.wire.Limits;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Bytes plus an ordered list of OS handles, the unit a {@link MessagePipe} carries.
 *
 * <p>A message owns its handles. Writing it to a pipe moves them to the pipe; a message you
 * read owns the handles that arrived with it, and {@link #close()} closes whichever of them you
 * did not {@link #takeHandles() take}. The payload array is not copied: do not change it after
 * writing.
 */
public final class Message implements AutoCloseable {

    /** Handles one message may carry. */
    public static final int MAX_HANDLES = Limits.HANDLE_CAP;

    private static final byte[] EMPTY = new byte[0];

    private final byte[] payload;
    private final List<PlatformHandle> handles;

    private Message(byte[] payload, List<PlatformHandle> handles) {
        this.payload = payload;
        this.handles = handles;
    }

    /**
     * @throws IllegalArgumentException with more than {@link #MAX_HANDLES} handles
     */
    public static Message of(byte[] payload, PlatformHandle... handles) {
        return of(payload, Arrays.asList(handles));
    }

    public static Message of(byte[] payload, List<PlatformHandle> handles) {
        Objects.requireNonNull(payload, "payload");
        if (handles.size() > MAX_HANDLES) {
            throw new IllegalArgumentException("a message carries at most " + MAX_HANDLES
                    + " handles (one sendmsg can deliver no more to a Java reader); got " + handles.size()
                    + ". Send the rest in further messages.");
        }
        for (PlatformHandle h : handles) {
            if (h == null || !h.isValid()) {
                throw new IllegalArgumentException("handle is null, closed or released: " + h);
            }
        }
        return new Message(payload, new ArrayList<>(handles));
    }

    public static Message of(byte[] payload) {
        return new Message(payload, new ArrayList<>(0));
    }

    public static Message empty() {
        return of(EMPTY);
    }

    /** The payload, not copied. */
    public byte[] bytes() {
        return payload;
    }

    public int handleCount() {
        synchronized (handles) {
            return handles.size();
        }
    }

    /** The handles, still owned by this message. */
    public List<PlatformHandle> handles() {
        synchronized (handles) {
            return List.copyOf(handles);
        }
    }

    /** Moves every handle to the caller, in order; the message then holds none. */
    public List<PlatformHandle> takeHandles() {
        synchronized (handles) {
            List<PlatformHandle> taken = List.copyOf(handles);
            handles.clear();
            return taken;
        }
    }

    /** Moves one handle to the caller. */
    public PlatformHandle takeHandle(int index) {
        synchronized (handles) {
            return handles.remove(index);
        }
    }

    /** Closes the handles still owned by this message. */
    @Override
    public void close() {
        for (PlatformHandle h : takeHandles()) {
            h.close();
        }
    }

    @Override
    public String toString() {
        return "Message(" + payload.length + " bytes, " + handleCount() + " handles)";
    }
}

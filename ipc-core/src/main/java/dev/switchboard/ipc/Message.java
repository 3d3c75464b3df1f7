package dev.switchboard.ipc;

import dev.switchboard.ipc.node.NodeController;
import dev.switchboard.ipc.wire.Id128;
import dev.switchboard.ipc.wire.Limits;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Bytes plus handles: OS handles ({@link PlatformHandle}, e.g. file descriptors), shared memory
 * ({@link SharedBuffer}) and message pipe ends ({@link MessagePipe}). The unit a
 * {@link MessagePipe} carries.
 *
 * <p>A message owns what it carries. Writing it to a pipe moves everything to the receiver; a
 * message you read owns what arrived with it, and {@link #close()} closes whatever you did not
 * take. Each kind keeps its order: the n-th OS handle written is the n-th read, and likewise for
 * shared buffers and pipes. A shared buffer that arrived from another process was checked on
 * arrival: its size and its read-only mode are what the sender declared. The payload array is not copied: do not change it after writing.
 */
public final class Message implements AutoCloseable {

    /** OS handles one message may carry, shared buffers included (each is one OS handle). */
    public static final int MAX_HANDLES = Limits.HANDLE_CAP;
    /** Pipe ends one message may carry. */
    public static final int MAX_PIPES = 64;

    private static final byte[] EMPTY = new byte[0];

    private final byte[] payload;
    private final List<PlatformHandle> handles;
    private final List<MessagePipe> pipes;
    private final List<SharedBuffer> buffers;
    private final Id128 sourceNode;

    private Message(byte[] payload, List<PlatformHandle> handles, List<MessagePipe> pipes, List<SharedBuffer> buffers,
            Id128 sourceNode) {
        this.payload = payload;
        this.handles = handles;
        this.pipes = pipes;
        this.buffers = buffers;
        this.sourceNode = sourceNode;
    }

    /**
     * Returns a message carrying {@code payload} and {@code handles}, which it now owns.
     *
     * @param payload the bytes, not copied
     * @param handles {@link PlatformHandle}s, {@link SharedBuffer}s and {@link MessagePipe} ends, in any mix
     * @return the message
     * @throws IllegalArgumentException with more than {@link #MAX_HANDLES} OS handles and shared
     *     buffers or {@link #MAX_PIPES} pipes, or a handle that is closed or already moved
     */
    public static Message of(byte[] payload, Handle... handles) {
        return of(payload, List.of(handles));
    }

    /**
     * Returns a message carrying {@code payload} and {@code handles}, which it now owns.
     *
     * @param payload the bytes, not copied
     * @param handles {@link PlatformHandle}s, {@link SharedBuffer}s and {@link MessagePipe} ends, in any mix
     * @return the message
     * @throws IllegalArgumentException with more than {@link #MAX_HANDLES} OS handles and shared
     *     buffers or {@link #MAX_PIPES} pipes, or a handle that is closed or already moved
     */
    public static Message of(byte[] payload, List<? extends Handle> handles) {
        Objects.requireNonNull(payload, "payload");
        List<PlatformHandle> os = new ArrayList<>();
        List<MessagePipe> ps = new ArrayList<>();
        List<SharedBuffer> bs = new ArrayList<>();
        for (Handle h : handles) {
            if (h instanceof PlatformHandle p) {
                if (!p.isValid()) {
                    throw new IllegalArgumentException("handle is closed or released: " + p);
                }
                os.add(p);
            } else if (h instanceof MessagePipe m) {
                if (!m.isTransferable()) {
                    throw new IllegalArgumentException(m + " is closed, moved, or not connected yet");
                }
                ps.add(m);
            } else if (h instanceof SharedBuffer b) {
                if (!b.isValid()) {
                    throw new IllegalArgumentException("shared buffer is closed or moved: " + b);
                }
                bs.add(b);
            } else {
                throw new IllegalArgumentException("null handle");
            }
        }
        if (os.size() + bs.size() > MAX_HANDLES) {
            throw new IllegalArgumentException("a message carries at most " + MAX_HANDLES
                    + " OS handles and shared buffers (one sendmsg can deliver no more to a Java reader); got "
                    + (os.size() + bs.size()) + ". Send the rest in further messages.");
        }
        if (ps.size() > MAX_PIPES) {
            throw new IllegalArgumentException("a message carries at most " + MAX_PIPES + " pipe ends; got " + ps.size());
        }
        return new Message(payload, os, ps, bs, null);
    }

    /**
     * Returns a message carrying bytes only.
     *
     * @param payload the bytes, not copied
     * @return the message
     */
    public static Message of(byte[] payload) {
        return new Message(payload, new ArrayList<>(0), new ArrayList<>(0), new ArrayList<>(0), null);
    }

    /** {@return a message with no bytes and no handles} */
    public static Message empty() {
        return of(EMPTY);
    }

    /** A message that arrived from {@code sourceNode}. */
    static Message received(byte[] payload, List<PlatformHandle> handles, List<MessagePipe> pipes, List<SharedBuffer> buffers,
            Id128 sourceNode) {
        return new Message(payload, new ArrayList<>(handles), new ArrayList<>(pipes), new ArrayList<>(buffers), sourceNode);
    }

    /** {@return the payload, not copied} */
    public byte[] bytes() {
        return payload;
    }

    /** {@return how many OS handles this message still owns} */
    public synchronized int handleCount() {
        return handles.size();
    }

    /** {@return the OS handles, in order; still owned by this message} */
    public synchronized List<PlatformHandle> handles() {
        return List.copyOf(handles);
    }

    /**
     * Moves every OS handle to the caller, in order.
     *
     * @return the handles; the caller closes each one
     */
    public synchronized List<PlatformHandle> takeHandles() {
        List<PlatformHandle> taken = List.copyOf(handles);
        handles.clear();
        return taken;
    }

    /**
     * Moves one OS handle to the caller; the handles after it move down one index.
     *
     * @param index position among the handles this message still owns
     * @return the handle; the caller closes it
     * @throws IndexOutOfBoundsException if there is no handle at {@code index}
     */
    public synchronized PlatformHandle takeHandle(int index) {
        return handles.remove(index);
    }

    /** {@return how many pipe ends this message still owns} */
    public synchronized int pipeCount() {
        return pipes.size();
    }

    /** {@return the pipe ends, in order; still owned by this message} */
    public synchronized List<MessagePipe> pipes() {
        return List.copyOf(pipes);
    }

    /**
     * Moves every pipe end to the caller, in order.
     *
     * @return the pipe ends; the caller closes each one
     */
    public synchronized List<MessagePipe> takePipes() {
        List<MessagePipe> taken = List.copyOf(pipes);
        pipes.clear();
        return taken;
    }

    /**
     * Moves one pipe end to the caller; the pipe ends after it move down one index.
     *
     * @param index position among the pipe ends this message still owns
     * @return the pipe end; the caller closes it
     * @throws IndexOutOfBoundsException if there is no pipe end at {@code index}
     */
    public synchronized MessagePipe takePipe(int index) {
        return pipes.remove(index);
    }

    /** {@return how many shared buffers this message still owns} */
    public synchronized int sharedBufferCount() {
        return buffers.size();
    }

    /** {@return the shared buffers, in order; still owned by this message} */
    public synchronized List<SharedBuffer> sharedBuffers() {
        return List.copyOf(buffers);
    }

    /**
     * Moves every shared buffer to the caller, in order.
     *
     * @return the buffers; the caller closes each one
     */
    public synchronized List<SharedBuffer> takeSharedBuffers() {
        List<SharedBuffer> taken = List.copyOf(buffers);
        buffers.clear();
        return taken;
    }

    /**
     * Moves one shared buffer to the caller; the buffers after it move down one index.
     *
     * @param index position among the shared buffers this message still owns
     * @return the buffer; the caller closes it
     * @throws IndexOutOfBoundsException if there is no shared buffer at {@code index}
     */
    public synchronized SharedBuffer takeSharedBuffer(int index) {
        return buffers.remove(index);
    }

    /**
     * Says that this message, received from another process, is bad (malformed, or asking for
     * what that process must not ask). The process error handler of the invitation that brought
     * the sender's process into the graph is called with {@code reason}; that handler usually
     * kills the sender. Does nothing for a message written in this process.
     *
     * @param reason what is wrong with the message, for the error handler and the log
     */
    public void reportBadMessage(String reason) {
        Objects.requireNonNull(reason, "reason");
        if (sourceNode != null) {
            NodeController.get().reportBadMessage(sourceNode, reason);
        }
    }

    /** Closes the handles, shared buffers and pipe ends still owned by this message. */
    @Override
    public void close() {
        for (PlatformHandle h : takeHandles()) {
            h.close();
        }
        for (SharedBuffer b : takeSharedBuffers()) {
            b.close();
        }
        for (MessagePipe p : takePipes()) {
            p.close();
        }
    }

    @Override
    public String toString() {
        return "Message(" + payload.length + " bytes, " + handleCount() + " handles, " + sharedBufferCount()
                + " shared buffers, " + pipeCount() + " pipes)";
    }
}

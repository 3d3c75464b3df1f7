package dev.switchboard.ipc.node;

import dev.switchboard.ipc.ports.UserPayload;
import dev.switchboard.ipc.spi.HandleOps;
import dev.switchboard.ipc.wire.HandleDescriptor;
import dev.switchboard.ipc.wire.Id128;
import java.util.Arrays;

/**
 * Internal: what a user message carries besides pipe ends: bytes and raw OS handles, each with its
 * {@link HandleDescriptor} (a plain handle or a shared buffer). Owns the handles until
 * {@link #takeHandles()} or {@link #discard()}. A payload that arrived from another node
 * remembers that node (for bad-message reports) and its channel (for flow control).
 */
public final class PipePayload implements UserPayload {

    private final byte[] bytes;
    private final HandleOps ops;
    private final Id128 sourceNode;
    private NodeChannel source;
    private final HandleDescriptor[] descriptors;
    private long[] handles;

    /** Bytes and plain OS handles. */
    public PipePayload(byte[] bytes, long[] handles, HandleOps ops) {
        this(bytes, handles, plain(handles.length), ops, null, null);
    }

    /** Bytes and OS handles, {@code descriptors[i]} saying what {@code handles[i]} is. */
    public PipePayload(byte[] bytes, long[] handles, HandleDescriptor[] descriptors, HandleOps ops) {
        this(bytes, handles, descriptors, ops, null, null);
    }

    PipePayload(byte[] bytes, long[] handles, HandleDescriptor[] descriptors, HandleOps ops, Id128 sourceNode, NodeChannel source) {
        if (descriptors.length != handles.length) {
            throw new IllegalArgumentException(handles.length + " handles but " + descriptors.length + " descriptors");
        }
        this.bytes = bytes;
        this.handles = handles;
        this.descriptors = descriptors.clone();
        this.ops = ops;
        this.sourceNode = sourceNode;
        this.source = source;
        if (source != null) {
            source.received(bytes.length, handles.length);
        }
    }

    public byte[] bytes() {
        return bytes;
    }

    /** The node this message arrived from, or null when it was written in this process. */
    public Id128 sourceNode() {
        return sourceNode;
    }

    /** {@return what each handle is, in the order of the handles (also after they were taken)} */
    public HandleDescriptor[] descriptors() {
        return descriptors.clone();
    }

    /** Descriptors for {@code n} plain OS handles. */
    static HandleDescriptor[] plain(int n) {
        HandleDescriptor[] d = new HandleDescriptor[n];
        Arrays.fill(d, HandleDescriptor.Platform.INSTANCE);
        return d;
    }

    /** Moves the handles to the caller; the payload then holds none. Also ends flow-control accounting. */
    public synchronized long[] takeHandles() {
        long[] h = handles;
        handles = NodeChannel.NO_HANDLES;
        release(h.length);
        return h;
    }

    @Override
    public void discard() {
        for (long h : takeHandles()) {
            ops.close(h);
        }
    }

    private void release(int handleCount) {
        NodeChannel s = source;
        if (s != null) {
            source = null;
            s.consumed(bytes.length, handleCount);
        }
    }
}

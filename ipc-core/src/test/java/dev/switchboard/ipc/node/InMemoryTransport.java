package dev.switchboard.ipc.node;

import dev.switchboard.ipc.spi.CloseReason;
import dev.switchboard.ipc.spi.FrameChannel;
import dev.switchboard.ipc.spi.HandleOps;
import dev.switchboard.ipc.spi.NamedChannels;
import dev.switchboard.ipc.spi.ProcessSpawner;
import dev.switchboard.ipc.spi.Transport;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.FrameCodec;
import dev.switchboard.ipc.wire.FrameHeader;
import dev.switchboard.ipc.wire.Limits;
import dev.switchboard.ipc.wire.ProtocolException;
import java.io.FileDescriptor;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A transport without an OS: "handles" are numbers in a ledger, a channel pair is two queues
 * served by one single-threaded "I/O" executor. Frames really go through the codec.
 */
final class InMemoryTransport implements Transport {

    final Set<Long> open = ConcurrentHashMap.newKeySet();
    /** Handles closed twice (or never opened): each one a bug, whatever thread it happened on. */
    final java.util.List<Long> doubleCloses = new java.util.concurrent.CopyOnWriteArrayList<>();
    final ExecutorService io = Executors.newSingleThreadExecutor(r -> new Thread(r, "fake-io"));
    private final AtomicLong next = new AtomicLong(100);
    private final Map<Long, Long> peerOf = new ConcurrentHashMap<>();
    private final Map<Long, Pipe> channels = new ConcurrentHashMap<>();

    final HandleOps ops = new HandleOps() {
        @Override
        public void close(long handle) {
            if (!open.remove(handle)) {
                doubleCloses.add(handle);
                throw new AssertionError("handle " + handle + " closed twice or never opened");
            }
        }

        @Override
        public long duplicate(long handle) {
            return newHandle();
        }

        @Override
        public long duplicate(FileDescriptor fd) {
            return newHandle();
        }

        @Override
        public FileDescriptor toFileDescriptor(long handle) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setNotInheritable(long handle) {}

        @Override
        public String describe(long handle) {
            return "fake " + handle;
        }
    };

    boolean isChannel(long h) {
        return peerOf.containsKey(h);
    }

    long newHandle() {
        long h = next.incrementAndGet();
        open.add(h);
        return h;
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public boolean isSupported() {
        return true;
    }

    @Override
    public HandleOps handles() {
        return ops;
    }

    @Override
    public long[] createChannelPair() {
        long a = newHandle();
        long b = newHandle();
        peerOf.put(a, b);
        peerOf.put(b, a);
        return new long[] {a, b};
    }

    @Override
    public FrameChannel open(long handle, Limits limits, FrameChannel.Listener listener) {
        Pipe p = new Pipe(handle, limits, listener);
        channels.put(handle, p);
        return p;
    }

    @Override
    public ProcessSpawner spawner() {
        throw new UnsupportedOperationException();
    }

    @Override
    public NamedChannels namedChannels() {
        throw new UnsupportedOperationException();
    }

    /** One end. send() encodes, moves handles through the ledger, and the peer decodes on the io thread. */
    final class Pipe implements FrameChannel {
        final long handle;
        volatile Limits limits;
        final FrameChannel.Listener listener;
        volatile boolean closed;
        volatile boolean paused;

        Pipe(long handle, Limits limits, FrameChannel.Listener listener) {
            this.handle = handle;
            this.limits = limits;
            this.listener = listener;
        }

        Pipe peer() {
            return channels.get(peerOf.get(handle));
        }

        @Override
        public void setLimits(Limits limits) {
            this.limits = java.util.Objects.requireNonNull(limits);
        }

        @Override
        public void send(FrameBody body, long[] handles) {
            ByteBuffer bytes = ByteBuffer.allocate(FrameCodec.encodedLength(body));
            FrameCodec.encode(body, handles.length, bytes);
            bytes.flip();
            // the "kernel" gives the receiver new numbers and we close our copies, as sendmsg does
            long[] moved = new long[handles.length];
            for (int i = 0; i < handles.length; i++) {
                moved[i] = newHandle();
                Long otherEnd = peerOf.remove(handles[i]);
                if (otherEnd != null) {
                    // a channel endpoint keeps being one under its new number
                    peerOf.put(moved[i], otherEnd);
                    peerOf.put(otherEnd, moved[i]);
                }
                ops.close(handles[i]);
            }
            io.execute(() -> {
                Pipe p = peer();
                if (closed || p == null || p.closed) {
                    for (long h : moved) {
                        ops.close(h);
                    }
                    return;
                }
                try {
                    FrameHeader h = FrameHeader.peek(bytes, p.limits);
                    FrameBody b = FrameCodec.decode(h, bytes.duplicate().position(FrameHeader.SIZE).limit(h.frameLength()));
                    p.listener.onFrame(h, b, moved);
                } catch (ProtocolException e) {
                    for (long m : moved) {
                        ops.close(m);
                    }
                    p.closeWith(new CloseReason(CloseReason.Kind.PROTOCOL_ERROR, e.getMessage()));
                }
            });
        }

        @Override
        public long queuedBytes() {
            return 0;
        }

        @Override
        public long queuedHandles() {
            return 0;
        }

        @Override
        public void setReadPaused(boolean paused) {
            this.paused = paused;
        }

        @Override
        public void close() {
            io.execute(() -> {
                closeWith(new CloseReason(CloseReason.Kind.LOCAL, "closed"));
                Pipe p = peer();
                if (p != null) {
                    p.closeWith(new CloseReason(CloseReason.Kind.PEER_CLOSED, "end of stream"));
                }
            });
        }

        @Override
        public void fail(String reason) {
            io.execute(() -> {
                closeWith(new CloseReason(CloseReason.Kind.PROTOCOL_ERROR, reason));
                Pipe p = peer();
                if (p != null) {
                    p.closeWith(new CloseReason(CloseReason.Kind.PEER_CLOSED, "end of stream"));
                }
            });
        }

        void closeWith(CloseReason r) {
            if (closed) {
                return;
            }
            closed = true;
            if (open.contains(handle)) {
                ops.close(handle);
            }
            listener.onClosed(r);
        }

        @Override
        public String describe() {
            return "memory " + handle;
        }
    }
}

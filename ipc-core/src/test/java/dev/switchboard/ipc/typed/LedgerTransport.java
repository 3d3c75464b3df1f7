package dev.switchboard.ipc.typed;

import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.spi.FrameChannel;
import dev.switchboard.ipc.spi.HandleOps;
import dev.switchboard.ipc.spi.NamedChannels;
import dev.switchboard.ipc.spi.ProcessSpawner;
import dev.switchboard.ipc.spi.Transport;
import dev.switchboard.ipc.wire.Limits;
import java.io.FileDescriptor;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The transport ipc-core's own tests run on (found through ServiceLoader, so that
 * {@code MessagePipe.create()} works in-process): no OS, no channels; handles are numbers in a
 * ledger, so a test can prove that every handle it made was closed exactly once.
 */
public final class LedgerTransport implements Transport {

    static final Set<Long> OPEN = ConcurrentHashMap.newKeySet();
    static final Set<Long> DOUBLE_CLOSED = ConcurrentHashMap.newKeySet();
    private static final AtomicLong NEXT = new AtomicLong(1_000_000);

    static final HandleOps OPS = new HandleOps() {
        @Override
        public void close(long handle) {
            if (!OPEN.remove(handle)) {
                DOUBLE_CLOSED.add(handle);
            }
        }

        @Override
        public long duplicate(long handle) {
            return open();
        }

        @Override
        public long duplicate(FileDescriptor fd) {
            return open();
        }

        @Override
        public FileDescriptor toFileDescriptor(long handle) {
            throw new UnsupportedOperationException("ledger handles have no descriptor");
        }

        @Override
        public void setNotInheritable(long handle) {}

        @Override
        public String describe(long handle) {
            return "ledger handle " + handle;
        }
    };

    static long open() {
        long h = NEXT.incrementAndGet();
        OPEN.add(h);
        return h;
    }

    /** A new open handle owned by the caller. */
    static PlatformHandle newHandle() {
        return PlatformHandle.adopt(open(), OPS);
    }

    static boolean isOpen(long h) {
        return OPEN.contains(h);
    }

    @Override
    public String name() {
        return "ledger";
    }

    @Override
    public boolean isSupported() {
        return true;
    }

    @Override
    public int priority() {
        return -100;
    }

    @Override
    public HandleOps handles() {
        return OPS;
    }

    @Override
    public long[] createChannelPair() {
        throw new UnsupportedOperationException("the ledger transport has no channels");
    }

    @Override
    public FrameChannel open(long handle, Limits limits, FrameChannel.Listener listener) {
        throw new UnsupportedOperationException("the ledger transport has no channels");
    }

    @Override
    public ProcessSpawner spawner() {
        throw new UnsupportedOperationException("the ledger transport spawns nothing");
    }

    @Override
    public NamedChannels namedChannels() {
        throw new UnsupportedOperationException("the ledger transport has no named channels");
    }
}

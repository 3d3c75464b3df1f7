package dev.switchboard.ipc.transport.unix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.switchboard.ipc.spi.HandleOps;
import dev.switchboard.ipc.wire.FrameHeader;
import dev.switchboard.ipc.wire.ProtocolException;
import java.io.FileDescriptor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The fd-matching rule of {@link ReceivedFds} with fake fd numbers, driven the way
 * {@link UnixFrameChannel}'s decode loop drives it: each read adds its batch, a frame claims fds
 * once its header is there and is delivered once its last byte is, and every read ends with the
 * orphan check. Frames are reduced to what the rule sees: where they start, how long they are
 * and how many handles they declare.
 *
 * <p>{@link #anyStream}: a hostile peer chooses frames, read boundaries and fd batches freely.
 * The rule may reject the stream, only with a {@link ProtocolException}, and may never lose,
 * duplicate or misplace an fd: each one is delivered with exactly one frame or closed, once, and a
 * frame gets the whole batch of the read that held its first byte, or nothing.
 *
 * <p>{@link #honestSender}: a sender that keeps its side of the contract, and a kernel that
 * splits the stream into reads only where Linux may. Then nothing may be rejected and every
 * frame gets exactly its own fds.
 */
class ReceivedFdsFuzzTest {

    private static final int MAX_HANDLES = 4;
    private static final int MAX_FRAME = FrameHeader.SIZE + 8 * 8;

    /** A frame as the rule sees it. */
    private record Frame(int handles, int paddedLength) {}

    @FuzzTest
    void anyStream(FuzzedDataProvider data) {
        List<Frame> frames = new ArrayList<>();
        Ledger ledger = new Ledger();
        Reader reader = new Reader(ledger, i -> {
            while (frames.size() <= i) {
                frames.add(new Frame(data.consumeInt(0, MAX_HANDLES), FrameHeader.SIZE + 8 * data.consumeInt(0, 8)));
            }
            return frames.get(i);
        });
        int nextFd = 1000;
        try {
            for (int reads = 0; reads < 64 && data.remainingBytes() > 0; reads++) {
                int length = data.consumeInt(1, 2 * MAX_FRAME);
                int[] fds = new int[data.consumeBoolean() ? data.consumeInt(1, MAX_HANDLES + 1) : 0];
                for (int k = 0; k < fds.length; k++) {
                    fds[k] = nextFd++;
                }
                reader.read(length, fds);
            }
        } catch (ProtocolException e) {
            // the channel closes here; what follows checks that nothing leaked or moved twice
        }
        reader.close();
        ledger.checkEveryFdAccountedFor();
    }

    @FuzzTest
    void honestSender(FuzzedDataProvider data) throws ProtocolException {
        // The frames, and the fds each frame carries: frame i's are 1000 * (i + 1) + k.
        int n = data.consumeInt(1, 24);
        List<Frame> frames = new ArrayList<>();
        long[] starts = new long[n + 1];
        for (int i = 0; i < n; i++) {
            int handles = data.consumeBoolean() ? data.consumeInt(1, MAX_HANDLES) : 0;
            frames.add(new Frame(handles, FrameHeader.SIZE + 8 * data.consumeInt(0, 8)));
            starts[i + 1] = starts[i] + frames.get(i).paddedLength();
        }
        long total = starts[n];

        // The sender's writes: a frame with handles starts a write that carries them and no other
        // frame's; otherwise writes are cut anywhere. The kernel queues a write as buffers and
        // puts the fds on the first, so a read that holds the write's first byte ends at or before
        // the end of that first buffer; where it ends is the fuzzer's choice.
        long[] fdBufferEnd = new long[n];
        for (int i = 0; i < n; i++) {
            if (frames.get(i).handles() > 0) {
                long writeEnd = starts[i + 1];
                for (int j = i + 1; j < n && frames.get(j).handles() == 0 && data.consumeBoolean(); j++) {
                    writeEnd = starts[j + 1]; // later frames without handles may share the write
                }
                fdBufferEnd[i] = starts[i] + data.consumeLong(1, writeEnd - starts[i]);
            }
        }

        Ledger ledger = new Ledger();
        Reader reader = new Reader(ledger, i -> i < n ? frames.get(i) : null);
        long at = 0;
        int nextFdFrame = 0; // the next frame with handles whose first byte has not been read
        while (at < total) {
            long end = Math.min(total, at + data.consumeInt(1, 2 * MAX_FRAME));
            while (nextFdFrame < n && (frames.get(nextFdFrame).handles() == 0 || starts[nextFdFrame] < at)) {
                nextFdFrame++;
            }
            int[] fds = new int[0];
            if (nextFdFrame < n && starts[nextFdFrame] < end) {
                end = Math.min(end, fdBufferEnd[nextFdFrame]);
                fds = fdsOf(nextFdFrame, frames.get(nextFdFrame).handles());
                nextFdFrame++;
            }
            reader.read((int) (end - at), fds);
            at = end;
        }
        assertEquals(n, reader.delivered.size(), "every frame delivered");
        for (int i = 0; i < n; i++) {
            int frame = i;
            assertArrayEquals(fdsOf(i, frames.get(i).handles()), reader.delivered.get(i), () -> "fds of frame " + frame);
        }
        assertTrue(reader.fds.isEmpty(), "no fds left over");
        reader.close();
        ledger.checkEveryFdAccountedFor();
    }

    private static int[] fdsOf(int frame, int count) {
        int[] fds = new int[count];
        for (int k = 0; k < count; k++) {
            fds[k] = 1000 * (frame + 1) + k;
        }
        return fds;
    }

    /** The frame at a position in the stream, or null past the end. */
    private interface Frames {
        Frame get(int index);
    }

    /**
     * The inbound half of {@link UnixFrameChannel} with the bytes left out: the same calls into
     * {@link ReceivedFds}, in the same order, for the same stream offsets.
     */
    private static final class Reader {
        final Ledger ledger;
        final Frames frames;
        final ReceivedFds fds;
        final List<int[]> delivered = new ArrayList<>();
        /** Batches added, to check each claim against: [fds, start, end]. */
        final List<Object[]> batches = new ArrayList<>();
        long received;
        long frameStart;
        Frame pending;
        int[] pendingFds = ReceivedFds.NO_FDS;

        Reader(Ledger ledger, Frames frames) {
            this.ledger = ledger;
            this.frames = frames;
            this.fds = new ReceivedFds(ledger);
        }

        void read(int length, int[] batch) throws ProtocolException {
            ledger.arrived(batch);
            fds.add(batch, received, received + length);
            if (batch.length > 0) {
                batches.add(new Object[] {batch, received, received + length});
            }
            received += length;
            while (true) {
                long buffered = received - frameStart;
                if (pending == null) {
                    Frame next = frames.get(delivered.size());
                    if (buffered < FrameHeader.SIZE || next == null) {
                        break;
                    }
                    pendingFds = fds.claim(frameStart, next.handles(), next.paddedLength());
                    checkClaim(next);
                    pending = next;
                }
                if (buffered < pending.paddedLength()) {
                    break;
                }
                ledger.delivered(pendingFds);
                delivered.add(pendingFds);
                pendingFds = ReceivedFds.NO_FDS;
                frameStart += pending.paddedLength();
                pending = null;
            }
            fds.checkOrphans(pending == null ? frameStart : frameStart + pending.paddedLength());
        }

        /** A claim hands over the whole oldest batch, from the read that held the frame's first byte. */
        private void checkClaim(Frame frame) {
            if (frame.handles() == 0) {
                assertEquals(0, pendingFds.length, "a frame declaring no handles got fds");
                return;
            }
            for (Object[] b : batches) {
                int[] batch = (int[]) b[0];
                if (batch == pendingFds || Arrays.equals(batch, pendingFds)) {
                    assertEquals(frame.handles(), batch.length);
                    assertTrue((long) b[1] <= frameStart && frameStart < (long) b[2],
                            () -> "batch of read [" + b[1] + ", " + b[2] + ") given to the frame at " + frameStart);
                    return;
                }
            }
            fail(() -> "claimed fds " + Arrays.toString(pendingFds) + " that arrived in no batch");
        }

        /** What the channel does when it closes: the frame in progress and every held batch are closed. */
        void close() {
            for (int f : pendingFds) {
                ledger.close(f);
            }
            pendingFds = ReceivedFds.NO_FDS;
            fds.closeAll();
        }
    }

    /** Every fake fd that arrived must leave exactly once: delivered with a frame, or closed. */
    private static final class Ledger implements HandleOps {
        private final Set<Integer> arrived = new HashSet<>();
        private final Set<Integer> gone = new HashSet<>();

        void arrived(int[] fds) {
            for (int fd : fds) {
                assertTrue(arrived.add(fd), () -> "test bug: fd " + fd + " used twice");
            }
        }

        void delivered(int[] fds) {
            for (int fd : fds) {
                leave(fd, "delivered");
            }
        }

        @Override
        public void close(long handle) {
            leave((int) handle, "closed");
        }

        private void leave(int fd, String how) {
            assertTrue(arrived.contains(fd), () -> "fd " + fd + " " + how + " but never arrived");
            assertTrue(gone.add(fd), () -> "fd " + fd + " " + how + " a second time");
        }

        void checkEveryFdAccountedFor() {
            assertEquals(arrived, gone, "fds neither delivered nor closed");
        }

        @Override
        public long duplicate(long handle) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long duplicate(FileDescriptor fd) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileDescriptor toFileDescriptor(long handle) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setNotInheritable(long handle) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String describe(long handle) {
            return "fake " + handle;
        }
    }
}

package dev.switchboard.ipc.transport.unix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.spi.HandleOps;
import dev.switchboard.ipc.wire.ProtocolException;
import java.io.FileDescriptor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fd/frame matching rule on its own, with fake fd numbers. */
class ReceivedFdsTest {

    /** Records closes instead of closing: the numbers here are not real fds. */
    private static final class RecordingOps implements HandleOps {
        final List<Long> closed = new ArrayList<>();

        @Override
        public void close(long handle) {
            closed.add(handle);
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

    private final RecordingOps ops = new RecordingOps();
    private final ReceivedFds fds = new ReceivedFds(ops);

    @Test
    void aFrameTakesTheBatchOfTheReadThatHoldsItsFirstByte() throws ProtocolException {
        // One read returned [0, 100): a 40-byte frame without fds, then the frame the fds belong to.
        fds.add(new int[] {7, 8}, 0, 100);
        assertArrayEquals(new int[0], fds.claim(0, 0, 40), "a frame without handles takes nothing");
        assertArrayEquals(new int[] {7, 8}, fds.claim(40, 2, 64));
        assertTrue(fds.isEmpty());
        fds.checkOrphans(1000);
    }

    @Test
    void batchesAreClaimedInOrder() throws ProtocolException {
        fds.add(new int[] {1}, 0, 64);
        fds.add(new int[] {2, 3}, 64, 200);
        assertArrayEquals(new int[] {1}, fds.claim(0, 1, 64));
        assertArrayEquals(new int[] {2, 3}, fds.claim(64, 2, 136));
    }

    @Test
    void aFrameThatStartsOutsideTheOldestBatchGetsNone() {
        fds.add(new int[] {1}, 100, 200); // came with a later read
        ProtocolException e = assertThrows(ProtocolException.class, () -> fds.claim(40, 1, 32));
        assertEquals("frame at offset 40 declares 1 handle but 0 arrived with it", e.getMessage());
    }

    @Test
    void theCountMustMatchExactly() {
        fds.add(new int[] {1, 2, 3}, 0, 50);
        ProtocolException e = assertThrows(ProtocolException.class, () -> fds.claim(0, 2, 48));
        assertEquals("frame at offset 0 declares 2 handles but 3 arrived with it", e.getMessage());
    }

    @Test
    void aBatchNoLaterFrameCanClaimIsAnOrphan() {
        fds.add(new int[] {5}, 0, 40);
        ProtocolException e = assertThrows(ProtocolException.class, () -> fds.claim(40, 1, 32));
        assertEquals("fds without a frame: 1 fd arrived with stream bytes [0, 40), where no frame that declares them starts",
                e.getMessage());
    }

    @Test
    void aFrameWithoutHandlesThatEndsTheBatchReadLeavesItsFdsOrphaned() {
        // the read ends after the data that carried fds, so they belong to the last frame starting in it
        fds.add(new int[] {5, 6}, 0, 48);
        ProtocolException e = assertThrows(ProtocolException.class, () -> fds.claim(0, 0, 48));
        assertEquals("fds without a frame: 2 fds arrived with the frame at offset 0, which declares 0 handles", e.getMessage());
    }

    @Test
    void orphansAreFoundAsSoonAsTheNextPossibleFrameStartIsPastTheBatch() throws ProtocolException {
        fds.add(new int[] {5, 6}, 16, 48);
        fds.checkOrphans(47); // a frame starting at 47 could still claim it
        ProtocolException e = assertThrows(ProtocolException.class, () -> fds.checkOrphans(48));
        assertTrue(e.getMessage().startsWith("fds without a frame: 2 fds arrived with stream bytes [16, 48)"), e.getMessage());
    }

    @Test
    void closeAllClosesEveryHeldFd() {
        fds.add(new int[] {1, 2}, 0, 10);
        fds.add(new int[] {3}, 10, 20);
        fds.closeAll();
        assertEquals(List.of(1L, 2L, 3L), ops.closed);
        assertTrue(fds.isEmpty());
    }

    @Test
    void aSecondBatchWhereNoFrameCanStartIsAnOrphanAtOnce() throws ProtocolException {
        // The frame in progress starts at 0, header not read yet: its fds may be the first batch.
        fds.add(new int[] {1}, 0, 1);
        fds.checkOrphans(0);
        // A second batch needs a frame of its own, at 16 at the earliest; its read ended at 2.
        fds.add(new int[] {2}, 1, 2);
        ProtocolException e = assertThrows(ProtocolException.class, () -> fds.checkOrphans(0));
        assertEquals("fds without a frame: 1 fd arrived with stream bytes [1, 2), where no frame that declares them starts", e.getMessage());
        fds.closeAll();
        assertEquals(List.of(1L, 2L), ops.closed);
    }

    @Test
    void laterBatchesEachNeedRoomForAFrame() throws ProtocolException {
        fds.add(new int[] {1}, 0, 10);
        fds.add(new int[] {2}, 10, 17); // a frame may start at 16, inside [10, 17)
        fds.checkOrphans(0);
        fds.add(new int[] {3}, 17, 30); // the earliest start left is 32
        assertThrows(ProtocolException.class, () -> fds.checkOrphans(0));
        fds.closeAll();
        assertEquals(List.of(1L, 2L, 3L), ops.closed);
    }
}

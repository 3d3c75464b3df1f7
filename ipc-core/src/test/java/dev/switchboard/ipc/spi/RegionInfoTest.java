package dev.switchboard.ipc.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.switchboard.ipc.spi.SharedMemoryOps.RegionInfo;
import org.junit.jupiter.api.Test;

/** What a received shared buffer must be for each claim (protocol.md §6), as pure logic. */
class RegionInfoTest {

    private static RegionInfo info(long size, boolean shrink, boolean grow, boolean writeSealed, boolean writable) {
        return new RegionInfo(size, shrink, grow, writeSealed, writable);
    }

    @Test
    void anHonestBufferMatchesItsClaim() {
        assertNull(info(4096, true, true, false, true).mismatch(4096, false), "writable");
        assertNull(info(4096, true, true, true, false).mismatch(4096, true), "read-only");
        assertNull(info(8192, true, true, false, true).mismatch(4096, false), "larger than claimed is fine: only the claim is mapped");
        assertNull(info(4096, true, true, true, true).mismatch(4096, false),
                "writable descriptor of a region sealed since: the receiver gets less than claimed, never more");
    }

    @Test
    void everyLieIsNamed() {
        assertEquals("its size is not sealed (shrink unsealed), so it could be truncated under a mapping",
                info(4096, false, true, false, true).mismatch(4096, false));
        assertEquals("its size is not sealed (grow unsealed), so it could be truncated under a mapping",
                info(4096, true, false, false, true).mismatch(4096, false));
        assertEquals("it claims 8192 bytes but the file has 4096", info(4096, true, true, true, false).mismatch(8192, true));
        assertEquals("it claims to be read-only but is not sealed against writing",
                info(4096, true, true, false, false).mismatch(4096, true));
        assertEquals("it claims to be read-only but the descriptor is open for writing",
                info(4096, true, true, true, true).mismatch(4096, true));
        assertEquals("it claims to be writable but the descriptor is open for reading only",
                info(4096, true, true, false, false).mismatch(4096, false));
    }
}

package dev.switchboard.ipc.ring;

/** The check both ends make of the control block's header when they attach. */
final class RingHeader {

    private RingHeader() {}

    /**
     * The first thing wrong with the header, or null: the magic and version must be ours, and the
     * geometry the one the handle promised (which the attaching end checked already), in a region
     * large enough to hold it.
     */
    static RingViolation check(ControlBlock control, int regionBytes, int elementSize, int capacity) {
        if (control.magic() != RingLayout.MAGIC) {
            return RingViolation.BAD_MAGIC;
        }
        if (control.version() != RingLayout.VERSION) {
            return RingViolation.BAD_VERSION;
        }
        if (control.elementSize() != elementSize || control.capacity() != capacity
                || regionBytes < RingLayout.regionBytes(capacity)) {
            return RingViolation.GEOMETRY_MISMATCH;
        }
        return null;
    }
}

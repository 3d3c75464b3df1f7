package dev.switchboard.ipc.ring;

import java.nio.ByteBuffer;

/**
 * The byte layout of a ring's region (docs/shared-memory.md, "Data pipes"), and its limits. All
 * words are little-endian. The producer's and the consumer's words sit on separate 64-byte cache
 * lines so the two ends do not slow each other down.
 *
 * <pre>
 *   0  u32 magic "SBDP"          written once by the creator
 *   4  u32 version (1)
 *   8  u32 element size
 *  12  u32 capacity (bytes)
 *  64  i64 written               producer: bytes committed since creation, only grows
 *  72  u32 producer closed       producer: 0, then 1
 *  76  u32 producer waiting      producer sets 1 to wait for space; the consumer clears it
 * 128  i64 read                  consumer: bytes consumed since creation, only grows
 * 136  u32 consumer closed       consumer: 0, then 1
 * 140  u32 consumer waiting      consumer sets 1 to wait for data; the producer clears it
 * 192  data area (capacity bytes); byte n of the stream lives at 192 + n mod capacity
 * </pre>
 *
 * Offsets into the data area are never stored: each end derives them from the counts, which it
 * validates first, so no value from shared memory is ever used as an index unchecked.
 */
public final class RingLayout {

    public static final int MAGIC = 0x50444253; // "SBDP" read as a little-endian u32

    public static final int VERSION = 1;

    static final int MAGIC_AT = 0;
    static final int VERSION_AT = 4;
    /** Where the header keeps the element size (u32). */
    public static final int ELEMENT_SIZE_AT = 8;
    /** Where the header keeps the capacity (u32). */
    public static final int CAPACITY_AT = 12;
    static final int WRITTEN_AT = 64;
    static final int PRODUCER_CLOSED_AT = 72;
    static final int PRODUCER_WAITING_AT = 76;
    static final int READ_AT = 128;
    static final int CONSUMER_CLOSED_AT = 136;
    static final int CONSUMER_WAITING_AT = 140;

    /** Size of the control block; the data area starts here. */
    public static final int HEADER_BYTES = 192;

    /** The largest capacity of one ring (1 GiB), so a region always fits one mapping. */
    public static final int MAX_CAPACITY = 1 << 30;

    /** The largest element size (as in Mojo, elements are small records, not messages). */
    public static final int MAX_ELEMENT_SIZE = 1 << 16;

    /** The capacity when none is given. */
    public static final int DEFAULT_CAPACITY = 64 << 10;

    private RingLayout() {}

    /**
     * Checks a ring's geometry as its creator asks for it.
     *
     * @throws IllegalArgumentException if the element size is not 1..{@link #MAX_ELEMENT_SIZE},
     *     or the capacity is not a positive multiple of it up to {@link #MAX_CAPACITY}
     */
    public static void checkGeometry(int elementSize, int capacity) {
        if (elementSize < 1 || elementSize > MAX_ELEMENT_SIZE) {
            throw new IllegalArgumentException("element size must be 1.." + MAX_ELEMENT_SIZE + ", not " + elementSize);
        }
        if (capacity < elementSize || capacity > MAX_CAPACITY || capacity % elementSize != 0) {
            throw new IllegalArgumentException("capacity must be a positive multiple of the element size (" + elementSize
                    + ") up to " + MAX_CAPACITY + ", not " + capacity);
        }
    }

    /** Whether a geometry is one {@link #checkGeometry} accepts. */
    public static boolean isValidGeometry(int elementSize, int capacity) {
        return elementSize >= 1 && elementSize <= MAX_ELEMENT_SIZE && capacity >= elementSize
                && capacity <= MAX_CAPACITY && capacity % elementSize == 0;
    }

    /**
     * Writes a fresh control block into {@code region} for a ring of this geometry: counts zero,
     * nobody closed or waiting. Done once, by the creator, before either end attaches.
     */
    public static void initialize(RingRegion region, int elementSize, int capacity) {
        checkGeometry(elementSize, capacity);
        ByteBuffer buffer = region.buffer();
        if (buffer.capacity() < regionBytes(capacity)) {
            throw new IllegalArgumentException("region of " + buffer.capacity() + " bytes cannot hold a ring of " + capacity);
        }
        new ControlBlock(buffer).initialize(elementSize, capacity);
    }

    /** How many bytes a ring of this capacity needs: control block and data area. */
    public static int regionBytes(int capacity) {
        return HEADER_BYTES + capacity;
    }
}

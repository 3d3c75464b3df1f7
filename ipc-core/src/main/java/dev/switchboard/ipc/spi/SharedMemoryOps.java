package dev.switchboard.ipc.spi;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Transport SPI: the OS operations behind {@link dev.switchboard.ipc.SharedBuffer}: anonymous
 * shared-memory files whose size is sealed, read-only descriptors the OS enforces, mappings that
 * are unmapped when closed, and what the kernel says about a descriptor that arrived from another
 * process. A transport that has them returns an implementation from
 * {@link Transport#sharedMemory()}; so far only the Unix transport on Linux does.
 *
 * <p>Descriptors cross as raw {@code long} values. A method that returns a descriptor gives it to
 * the caller; a method that is given one only borrows it. Every descriptor this interface creates
 * is close-on-exec.
 */
public interface SharedMemoryOps {

    /**
     * A new shared-memory file of exactly {@code size} bytes, zero-filled, opened for reading and
     * writing, whose size is sealed (it can never shrink or grow) and which can still be sealed
     * against writing later ({@link #readOnlyCopy}). The caller owns the result.
     *
     * @throws IOException when the OS refuses (out of memory, descriptor limit)
     */
    long create(long size) throws IOException;

    /**
     * Seals the file behind {@code fd} against every new write and writable mapping, through any
     * descriptor in any process (mappings that are writable already stay so), and returns a new
     * descriptor to it opened read-only. The caller owns the result.
     *
     * @param fd a descriptor from {@link #create}, or a writable one that arrived; borrowed
     * @throws IOException when the file cannot be sealed or re-opened
     */
    long readOnlyCopy(long fd) throws IOException;

    /**
     * What the kernel says about {@code fd}: its size, seals and access mode. Borrows {@code fd}.
     *
     * @throws IOException when {@code fd} is not a shared-memory file that supports seals
     *     (a socket, a pipe, a regular file, a closed descriptor)
     */
    RegionInfo inspect(long fd) throws IOException;

    /**
     * Maps {@code length} bytes of the file from {@code offset} shared between every process that
     * maps it.
     *
     * @param fd borrowed; the mapping stays valid after it is closed
     * @param offset a multiple of {@link #pageSize()}
     * @param length 1 or more bytes
     * @param writable map for reading and writing; otherwise reading only, and the returned
     *     buffer is read-only
     * @throws IOException when the OS refuses, e.g. a writable mapping of a file sealed against
     *     writing
     */
    Mapping map(long fd, long offset, int length, boolean writable) throws IOException;

    /** {@return the OS page size: mapping offsets are multiples of it} */
    int pageSize();

    /**
     * One mapping. {@link #unmap()} removes the shared pages from this process at once; the
     * address range stays reserved by inert private memory until every {@link ByteBuffer} made
     * from {@link #buffer()} is unreachable, so a buffer used after unmapping reads zeros and its
     * writes go nowhere, instead of faulting.
     */
    interface Mapping {
        /** {@return a buffer over the whole mapping; read-only when the mapping is} */
        ByteBuffer buffer();

        /** {@return the address of the first byte} */
        long address();

        /** Removes the shared pages from this process. Call once. */
        void unmap();
    }

    /**
     * What the kernel reports about one descriptor.
     *
     * @param fileSize the file's size in bytes
     * @param shrinkSealed the file can never shrink
     * @param growSealed the file can never grow
     * @param writeSealed nobody can write to it or map it writable any more
     * @param writableDescriptor the descriptor was opened for writing
     */
    record RegionInfo(long fileSize, boolean shrinkSealed, boolean growSealed, boolean writeSealed,
            boolean writableDescriptor) {

        /**
         * Whether this descriptor is what a sender claimed (docs/protocol.md §6, handle
         * descriptors): size sealed both ways, at least {@code claimedSize} bytes, and either
         * read-only (sealed against writing and opened read-only) or writable (opened for
         * writing; the region may have been sealed against writing since, by a read-only copy,
         * which leaves the receiver less than claimed, never more).
         *
         * @param claimedSize the size the sender declared
         * @param readOnly whether the sender declared it read-only
         * @return why it is not, or null when it is
         */
        public String mismatch(long claimedSize, boolean readOnly) {
            if (!shrinkSealed || !growSealed) {
                return "its size is not sealed (" + (shrinkSealed ? "" : "shrink ") + (growSealed ? "" : "grow ")
                        + "unsealed), so it could be truncated under a mapping";
            }
            if (fileSize < claimedSize) {
                return "it claims " + claimedSize + " bytes but the file has " + fileSize;
            }
            if (readOnly && !writeSealed) {
                return "it claims to be read-only but is not sealed against writing";
            }
            if (readOnly && writableDescriptor) {
                return "it claims to be read-only but the descriptor is open for writing";
            }
            if (!readOnly && !writableDescriptor) {
                return "it claims to be writable but the descriptor is open for reading only";
            }
            return null;
        }
    }
}

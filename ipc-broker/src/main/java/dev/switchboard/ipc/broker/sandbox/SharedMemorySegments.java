package dev.switchboard.ipc.broker.sandbox;

import dev.switchboard.ipc.PlatformHandle;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Maps the segments MakeSharedMemorySegment returns (or any shareable file handle) into this
 * process. Linux: the handle is reopened through {@code /proc/self/fd}, because the JDK has no
 * way to map a bare descriptor.
 */
public final class SharedMemorySegments {

    private SharedMemorySegments() {}

    /**
     * The whole segment, read-write and shared: what this process writes, every process that
     * maps the same segment sees. The caller keeps {@code segment}; the mapping stays valid after
     * the handle is closed (until the buffer is garbage-collected).
     *
     * @param segment the segment's handle, still owned by the caller
     * @return the mapping
     * @throws IOException when the handle cannot be reopened or mapped
     */
    public static MappedByteBuffer map(PlatformHandle segment) throws IOException {
        try (FileChannel ch = FileChannel.open(procPath(segment), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size());
        }
    }

    /**
     * Returns the segment's size.
     *
     * @param segment the segment's handle, still owned by the caller
     * @return the size in bytes
     * @throws IOException when the handle cannot be reopened
     */
    public static long size(PlatformHandle segment) throws IOException {
        try (FileChannel ch = FileChannel.open(procPath(segment), StandardOpenOption.READ)) {
            return ch.size();
        }
    }

    private static Path procPath(PlatformHandle segment) {
        return Path.of("/proc/self/fd/" + segment.fd());
    }
}

package dev.switchboard.ipc.transport.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.FileDescriptorCast;

class UnixHandleOpsTest {

    private final UnixHandleOps ops = new UnixHandleOps();

    @TempDir
    Path dir;

    @Test
    void socketPairEndsAreConnectedAndNotInherited() throws IOException {
        long[] pair = UnixSocketPairs.create();
        try {
            assertTrue(TestFds.isCloexec(pair[0]));
            assertTrue(TestFds.isCloexec(pair[1]));
            try (FileOutputStream out = new FileOutputStream(ops.toFileDescriptor(pair[0]));
                 FileInputStream in = new FileInputStream(ops.toFileDescriptor(pair[1]))) {
                pair = null; // the streams own the fds now
                out.write("ping".getBytes(StandardCharsets.UTF_8));
                byte[] got = new byte[4];
                // read(byte[]) rather than readNBytes: JDK 17's readNBytes seeks, which a socket refuses.
                assertEquals(4, in.read(got));
                assertEquals("ping", new String(got, StandardCharsets.UTF_8));
            }
        } finally {
            if (pair != null) {
                ops.close(pair[0]);
                ops.close(pair[1]);
            }
        }
    }

    @Test
    void duplicatesAreNewCloexecFdsForTheSameFile() throws IOException {
        Path f = dir.resolve("f");
        Files.writeString(f, "content");
        try (FileInputStream in = new FileInputStream(f.toFile())) {
            long dup = ops.duplicate(in.getFD());
            long dup2 = ops.duplicate(dup);
            assertNotEquals(dup, dup2);
            assertTrue(TestFds.isCloexec(dup));
            assertTrue(TestFds.isCloexec(dup2));
            assertTrue(dup >= 3 && dup2 >= 3);
            ops.close(dup);
            try (FileInputStream viaDup = new FileInputStream(ops.toFileDescriptor(dup2))) {
                assertEquals("content", new String(viaDup.readAllBytes(), StandardCharsets.UTF_8));
            }
            assertFalse(TestFds.isOpen(dup2), "closing the stream closes the wrapped fd");
        }
    }

    @Test
    void setNotInheritableSetsCloexec() throws IOException {
        long[] pair = UnixSocketPairs.create();
        int plain = LibC.dup((int) pair[0]); // dup(2) clears FD_CLOEXEC on the copy
        try {
            assertFalse(TestFds.isCloexec(plain));
            ops.setNotInheritable(plain);
            assertTrue(TestFds.isCloexec(plain));
        } finally {
            ops.close(plain);
            ops.close(pair[0]);
            ops.close(pair[1]);
        }
    }

    /**
     * The parent gives a child one end of a pair and closes its own copy: the child's connection
     * must survive, which junixsocket's close (always a shutdown) would not allow.
     */
    @Test
    void closeDoesNotShutTheSocketDown() throws IOException {
        long[] pair = UnixSocketPairs.create();
        long childCopy = ops.duplicate(pair[1]);
        ops.close(pair[1]); // the parent's copy
        AFUNIXSocketChannel parentEnd = FileDescriptorCast.unsafeUsing((int) pair[0]).as(AFUNIXSocketChannel.class);
        AFUNIXSocketChannel childEnd = FileDescriptorCast.unsafeUsing((int) childCopy).as(AFUNIXSocketChannel.class);
        try {
            parentEnd.write(ByteBuffer.wrap(new byte[] {42}));
            ByteBuffer got = ByteBuffer.allocate(1);
            assertEquals(1, childEnd.read(got));
            assertEquals(42, got.get(0));
        } finally {
            // Channels cast from raw fds leave the fd to its owner: close the numbers.
            parentEnd.close();
            childEnd.close();
            ops.close(pair[0]);
            ops.close(childCopy);
        }
    }

    @Test
    void rejectsValuesThatAreNoFd() {
        assertThrows(IllegalArgumentException.class, () -> ops.duplicate(-1));
        assertThrows(IllegalArgumentException.class, () -> ops.close(1L << 40));
        assertThrows(IOException.class, () -> ops.duplicate(new FileDescriptor()));
    }

    @Test
    void describeIsTheFdNumber() {
        assertEquals("fd 7", ops.describe(7));
    }

    @Test
    void getuidIsThisProcesssUser() {
        assertEquals(new com.sun.security.auth.module.UnixSystem().getUid(), LibC.getuid());
    }

    @Test
    void errnoIsReadable() {
        assertEquals(-1, LibC.close(-1));
        assertEquals(LibC.EBADF, LibC.errno());
        assertTrue(LibC.describeErrno(LibC.EBADF).contains("Bad file descriptor"), LibC.describeErrno(LibC.EBADF));
    }
}

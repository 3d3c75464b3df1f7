package dev.switchboard.ipc.transport.unix;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Main class of the child JVM in {@code PosixSpawnerTest#childJvmHoldsOnlyItsOwnFdsAndSlot3}.
 *
 * <p>Prints "fd target" for each of its own open fds, then "END", then blocks reading slot 3 (the
 * read end of a pipe) until EOF so the parent can inspect it while it is alive. EOF only comes
 * when the parent closes the write end, which also proves the child holds no copy of that end.
 */
public final class FdReportMain {

    public static void main(String[] args) throws IOException {
        PrintStream out = System.out;
        // List before opening anything ourselves. The listing's own directory fd shows up with the
        // target /proc/<pid>/fd; the parent skips it.
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException gone) {
                    continue;
                }
                out.println(fd.getFileName() + " " + target);
            }
        }
        out.println("END");
        out.flush();
        // Re-opening a pipe through /proc gives a new description of the same pipe; the parent
        // has already recorded the fd table above, so this extra fd does not disturb the check.
        try (InputStream in = Files.newInputStream(Path.of("/proc/self/fd/3"))) {
            byte[] buf = new byte[256];
            while (in.read(buf) >= 0) {
                // wait for EOF
            }
        }
    }

    private FdReportMain() {
    }
}

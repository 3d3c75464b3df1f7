package dev.switchboard.ipc.broker;

import dev.switchboard.ipc.PlatformChannel;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Launches {@code hostile_child.py} (test resources) with its channel end in fd 3. */
final class PythonChild {

    final ChildProcess process;
    final Path output;

    private PythonChild(ChildProcess process, Path output) {
        this.process = process;
        this.output = output;
    }

    static PythonChild start(PlatformChannel channel, String... args) throws IOException {
        Path script;
        try {
            script = Path.of(PythonChild.class.getResource("/hostile_child.py").toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        List<String> command = new ArrayList<>(List.of("python3", script.toString()));
        command.addAll(List.of(args));
        Path dir = Path.of("target", "child-logs");
        Files.createDirectories(dir);
        Path out = Files.createTempFile(dir, "hostile_child-" + args[0] + "-", ".out");
        ChildProcess child = ChildProcessLauncher.forCommand(command)
                .passEndpoint(channel.takeRemoteEndpoint())
                .redirectOutput(out)
                .appendError(dir.resolve("hostile_child.err"))
                .start();
        return new PythonChild(child, out);
    }

    /** What the child printed so far. */
    String output() throws IOException {
        return Files.readString(output);
    }
}

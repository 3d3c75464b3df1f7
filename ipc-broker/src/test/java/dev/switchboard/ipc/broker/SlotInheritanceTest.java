package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.PlatformChannelEndpoint;
import java.io.FileInputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The child gets exactly 0, 1, 2 and the endpoint in 3. Everything else it has open, the JVM
 * opened itself after it started.
 */
class SlotInheritanceTest {

    @Test
    void childHoldsOnlyStdioTheEndpointAndWhatItsOwnJvmOpened(@TempDir Path dir) throws Exception {
        // canaries: descriptors this process holds at spawn time that must not reach the child
        Path canaryFile = dir.resolve("canary");
        Files.writeString(canaryFile, "x");
        try (FileInputStream canary = new FileInputStream(canaryFile.toFile());
             RandomAccessFile canary2 = new RandomAccessFile(dir.resolve("canary2").toFile(), "rw")) {
            PlatformChannel extraPair = PlatformChannel.create(); // sockets the child must not see
            PlatformChannel channel = PlatformChannel.create();
            PlatformChannelEndpoint remote = channel.takeRemoteEndpoint();
            String remoteTarget = Files.readSymbolicLink(Path.of("/proc/self/fd/" + remote.handle().fd())).toString();

            Map<Integer, String> parentFds = TestSupport.openFds();
            Set<String> parentObjects = new HashSet<>(parentFds.values());

            ChildProcess child = ChildProcessLauncher.forJava(Children.ListFds.class)
                    .passEndpoint(remote)
                    .start();
            try (Launch l = Launch.invite(child, channel, List.of("control"))) {
                String listing = TestSupport.readText(l.pipe("control"), Duration.ofSeconds(30));
                Map<Integer, String> childFds = new HashMap<>();
                for (String line : listing.split("\n")) {
                    int sp = line.indexOf(' ');
                    childFds.put(Integer.parseInt(line.substring(0, sp)), line.substring(sp + 1));
                }
                assertTrue(childFds.keySet().containsAll(Set.of(0, 1, 2, 3)), "stdio and slot 3: " + childFds);
                assertEquals(remoteTarget, childFds.get(3), "slot 3 is the very socket we passed");
                for (Map.Entry<Integer, String> e : childFds.entrySet()) {
                    int fd = e.getKey();
                    String target = e.getValue();
                    if (fd <= 3) {
                        continue;
                    }
                    // a socket, pipe or file of ours in the child would have leaked through spawn
                    assertTrue(!parentObjects.contains(target) || target.endsWith(".jar") || target.startsWith("/usr/") || target.startsWith("/dev/"),
                            "fd " + fd + " -> " + target + " was inherited from the parent");
                    assertTrue(!target.startsWith("socket:") && !target.startsWith("pipe:"),
                            "fd " + fd + " -> " + target + ": a JVM opens no socket or pipe before main; this one came from the parent");
                }
                assertTrue(!childFds.containsValue(canaryFile.toString()), "canary file leaked: " + childFds);
                assertTrue(!childFds.containsValue(dir.resolve("canary2").toString()), "canary2 leaked: " + childFds);
            }
            extraPair.close();
        }
    }
}

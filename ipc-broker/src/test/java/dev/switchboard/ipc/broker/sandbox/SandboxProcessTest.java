package dev.switchboard.ipc.broker.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.jna.Platform;
import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.broker.ChildProcess;
import dev.switchboard.ipc.broker.ChildProcessLauncher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The sandbox channel between real processes: children launched with {@code passSandboxChannel}. */
class SandboxProcessTest {

    @TempDir
    Path tmp;

    private final List<ChildProcess> children = new ArrayList<>();

    @BeforeAll
    static void linuxOnly() {
        Assumptions.assumeTrue(Platform.isLinux(), "sandbox IPC is Linux only");
        SandboxTestSupport.warmUpFdTable();
    }

    @AfterEach
    void killLeftovers() throws Exception {
        for (ChildProcess c : children) {
            c.destroyForcibly();
            c.onExit().get(10, TimeUnit.SECONDS);
        }
    }

    private ChildProcess start(SandboxIpcHost host, Class<?> main, String name, String... args) throws Exception {
        ChildProcess c = SandboxTestSupport.javaChild(main, tmp, name).passSandboxChannel(host).args(args).start();
        children.add(c);
        return c;
    }

    /** 16 children, 4 threads each, 1,000 mixed requests per child, every reply checked. */
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void sixteenChildrenThousandRequestsEach() throws Exception {
        Map<Integer, String> beforeHost = SandboxTestSupport.ourFds();
        SandboxIpcHost host = SandboxIpcHost.start(SandboxIpcHost.Options.DEFAULT.maxSegmentBytes(1 << 20));
        try {
            Map<Integer, String> withHost = SandboxTestSupport.ourFds();
            Map<String, ChildProcess> started = new LinkedHashMap<>();
            for (int i = 0; i < 16; i++) {
                started.put("load-" + i, start(host, SandboxChildren.Load.class, "load-" + i, "4", "250", String.valueOf(i)));
            }
            for (Map.Entry<String, ChildProcess> e : started.entrySet()) {
                List<String> out = SandboxTestSupport.awaitSuccess(e.getValue(), tmp, e.getKey(), Duration.ofSeconds(240));
                assertEquals(List.of("ok 1000"), out, e.getKey());
            }
            SandboxIpcHost.Stats s = host.stats();
            assertEquals(16_000, s.served(), s.toString());
            assertEquals(0, s.refused() + s.failed() + s.undeliverable() + s.rejectedTotal(), s.toString());
            // the host holds exactly what it held before the children: no received fd stayed open
            SandboxTestSupport.assertNoFdLeak(withHost);
        } finally {
            host.close();
        }
        SandboxTestSupport.assertNoFdLeak(beforeHost);
    }

    /**
     * Every kind of bad request from its own real child, while a well-behaved child keeps
     * making requests: each is counted under its reason, every descriptor it carried is closed
     * (the bad child watches for that), and the host serves the good child and the bad ones'
     * follow-up requests.
     */
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void badRequestsFromRealChildrenAreDroppedAndTheHostKeepsServing() throws Exception {
        Map<Integer, String> beforeHost = SandboxTestSupport.ourFds();
        SandboxIpcHost host = SandboxIpcHost.start(SandboxIpcHost.Options.DEFAULT);
        try {
            Map<Integer, String> withHost = SandboxTestSupport.ourFds();
            ChildProcess good = start(host, SandboxChildren.Load.class, "good", "2", "1000", "99");
            Map<BadRequest, ChildProcess> bad = new LinkedHashMap<>();
            for (BadRequest kind : BadRequest.values()) {
                bad.put(kind, start(host, SandboxChildren.Bad.class, "bad-" + kind, kind.name(),
                        String.valueOf(host.options().maxRequestBytes())));
            }
            for (Map.Entry<BadRequest, ChildProcess> e : bad.entrySet()) {
                List<String> out = SandboxTestSupport.awaitSuccess(e.getValue(), tmp, "bad-" + e.getKey(), Duration.ofSeconds(240));
                assertEquals(List.of("dropped", "served", "fds-ok"), out, e.getKey().name());
            }
            assertEquals(List.of("ok 2000"), SandboxTestSupport.awaitSuccess(good, tmp, "good", Duration.ofSeconds(240)));

            SandboxIpcHost.Stats s = host.stats();
            for (BadRequest kind : BadRequest.values()) {
                assertEquals(1, s.rejected(kind.expected), kind + " -> " + kind.expected + " in " + s);
            }
            assertEquals(BadRequest.values().length, s.rejectedTotal(), s.toString());
            assertEquals(2000 + BadRequest.values().length, s.served(), s.toString());
            assertTrue(host.isRunning());
            SandboxTestSupport.assertNoFdLeak(withHost);
        } finally {
            host.close();
        }
        SandboxTestSupport.assertNoFdLeak(beforeHost);
    }

    /**
     * The child end is in slot 4 and is the host's socket (same inode for every child); it is the
     * only socket or pipe the child inherited; reading it returns end-of-file at once.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void childEndIsInSlotFourAndCannotBeRead() throws Exception {
        try (SandboxIpcHost host = SandboxIpcHost.start()) {
            String hostsCopy;
            try (PlatformHandle dup = host.duplicateChildEnd()) {
                hostsCopy = Files.readSymbolicLink(Path.of("/proc/self/fd/" + dup.fd())).toString();
            }
            ChildProcess a = start(host, SandboxChildren.SlotCheck.class, "slot-a");
            ChildProcess b = start(host, SandboxChildren.SlotCheck.class, "slot-b");
            ChildProcess seven = SandboxTestSupport.javaChild(SandboxChildren.SlotCheck.class, tmp, "slot-7")
                    .passSandboxChannel(host, 7).start();
            children.add(seven);
            for (String[] run : new String[][] {{"slot-a", "4"}, {"slot-b", "4"}, {"slot-7", "7"}}) {
                ChildProcess child = run[0].equals("slot-a") ? a : run[0].equals("slot-b") ? b : seven;
                List<String> out = SandboxTestSupport.awaitSuccess(child, tmp, run[0], Duration.ofSeconds(60));
                String slot = run[1];
                assertEquals("property fd:" + slot, line(out, "property"));
                assertEquals("args []", line(out, "args"), "Java children get the property, main() only its own args");
                assertEquals("inherited {" + slot + "=" + hostsCopy + "}", line(out, "inherited"),
                        "the shared socket, and no other socket or pipe of the parent");
                assertEquals("link " + hostsCopy, line(out, "link"), "every child shares the host's socket");
                assertEquals("kind SEQPACKET", line(out, "kind"));
                String read = line(out, "read");
                assertTrue(read.startsWith("read readable=true bytes=0 fds=0 micros="), read);
                long micros = Long.parseLong(read.substring(read.indexOf("micros=") + 7));
                System.out.println(run[0] + ": " + out);
                assertTrue(micros < 500_000, "reading the shut-down slot returned at once, not after " + micros + " us");
                assertEquals("year 1970", line(out, "year"));
            }
            assertEquals(3, host.stats().served());

            // what other programs get instead of the property: the switch, after their arguments
            ChildProcessLauncher other = ChildProcessLauncher.forCommand(List.of("/bin/true")).args("x")
                    .redirectInput(SandboxTestSupport.NO_INPUT).passSandboxChannel(host, 5);
            assertEquals(List.of("/bin/true", "x", "--switchboard-sandbox-ipc=fd:5"), other.commandLine());
            assertEquals(0, other.start().onExit().get(30, TimeUnit.SECONDS)); // start() also closes our duplicate
        }
    }

    /**
     * kill -9 of the host while its child waits on two requests, one inside the handler and one
     * still queued in the shared socket: both fail within a second, neither hangs.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void killingTheHostFailsBlockedRequestsPromptly() throws Exception {
        ChildProcess middle = SandboxTestSupport.javaChild(SandboxChildren.MiddleHost.class, tmp, "middle")
                .args(tmp.toString()).start();
        children.add(middle);
        Path middleOut = tmp.resolve("middle.out");
        Path grandchildOut = tmp.resolve("grandchild.out");
        Optional<ProcessHandle> grandchild = Optional.empty();
        try {
            SandboxTestSupport.awaitTrue(Duration.ofSeconds(60), () -> has(middleOut, "handler-entered")
                    && has(grandchildOut, "sent-2"), "a request in the handler and one queued");
            grandchild = ProcessHandle.of(Long.parseLong(line(SandboxTestSupport.lines(grandchildOut), "pid").substring(4)));
            long killedAt = System.currentTimeMillis();
            middle.destroyForcibly();
            SandboxTestSupport.awaitTrue(Duration.ofSeconds(30), () -> has(grandchildOut, "failed-1") && has(grandchildOut, "failed-2"),
                    "both requests to fail; grandchild said " + SandboxTestSupport.lines(grandchildOut));
            List<String> out = SandboxTestSupport.lines(grandchildOut);
            for (String which : new String[] {"failed-1", "failed-2"}) {
                String l = line(out, which);
                long at = Long.parseLong(l.split(" ")[1]);
                System.out.println(which + " " + (at - killedAt) + " ms after the kill");
                assertTrue(at - killedAt < 1000, which + " " + (at - killedAt) + " ms after the kill: " + l);
            }
            assertTrue(line(out, "failed-1").contains("SandboxIpcException"), "end-of-file, not a timeout: " + out);
            assertEquals(128 + 9, middle.onExit().get(10, TimeUnit.SECONDS));
        } finally {
            grandchild.ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private static boolean has(Path file, String prefix) {
        return SandboxTestSupport.lines(file).stream().anyMatch(l -> l.startsWith(prefix));
    }

    private static String line(List<String> out, String prefix) {
        return out.stream().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseGet(() -> fail("no '" + prefix + "' line in " + out));
    }
}

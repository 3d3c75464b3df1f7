package dev.switchboard.ipc.bench.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkloadTest {

    @Test
    void survivesTheCommandLine() {
        Workload w = Workload.stream(List.of(64, 1 << 20), List.of(20_000, 32), 1, 5);
        List<String> words = new ArrayList<>(w.toArgs());
        words.add(0, "--switchboard-platform-channel=fd:3"); // what ChildProcessLauncher adds
        assertEquals(w, Workload.parse(words));
        Workload s = Workload.scale(64, 64, 500, 1500);
        assertEquals(s, Workload.parse(s.toArgs()));
    }

    @Test
    void streamsNeedABatchPerSize() {
        assertThrows(IllegalArgumentException.class, () -> Workload.stream(List.of(64, 128), List.of(1), 0, 1));
    }

    @Test
    void resultFilesRoundTrip(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("r.txt");
        new ResultFile().info("affinity_parent", "0-1").samples("rtt_ns@64", new long[] {3, 1, 2})
                .samples("empty", new long[0]).write(f);
        ResultFile r = ResultFile.read(f);
        assertEquals("0-1", r.info("affinity_parent"));
        assertArrayEquals(new long[] {3, 1, 2}, r.samples("rtt_ns@64"));
        assertArrayEquals(new long[0], r.samples("empty"));
    }

    @Test
    void aTruncatedResultFileIsAnError(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("r.txt");
        Files.writeString(f, "@samples rtt_ns@64 3\n1\n2\n");
        assertThrows(java.io.IOException.class, () -> ResultFile.read(f));
    }
}

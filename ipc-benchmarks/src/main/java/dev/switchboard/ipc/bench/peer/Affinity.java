package dev.switchboard.ipc.bench.peer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The CPUs a process's threads may run on, read from {@code /proc/<pid>/task/<tid>/status}.
 * Pinning is only claimed in the report when every thread of both processes says so: a JVM starts
 * threads long after {@code taskset} ran, and only inheritance keeps them on the core.
 */
public final class Affinity {

    private Affinity() {}

    /**
     * @return the distinct {@code Cpus_allowed_list} values of all threads of {@code pid}, joined
     *     with '|' (one value when all agree), or "unknown" where /proc cannot tell
     */
    public static String ofProcess(long pid) {
        TreeSet<String> lists = new TreeSet<>();
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        try (Stream<Path> threads = Files.list(tasks)) {
            threads.forEach(t -> {
                String v = allowedList(t.resolve("status"));
                if (v != null) {
                    lists.add(v);
                }
            });
        } catch (IOException e) {
            return "unknown";
        }
        return lists.isEmpty() ? "unknown" : String.join("|", lists);
    }

    public static String ofSelf() {
        return ofProcess(ProcessHandle.current().pid());
    }

    private static String allowedList(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return line.substring("Cpus_allowed_list:".length()).trim();
                }
            }
        } catch (IOException e) {
            // the thread ended between listing and reading; it no longer matters
        }
        return null;
    }
}

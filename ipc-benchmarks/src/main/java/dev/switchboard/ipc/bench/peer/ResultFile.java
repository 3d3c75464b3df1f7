package dev.switchboard.ipc.bench.peer;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one measuring process hands back to the driver. Plain text so that the C floor can write
 * it with fprintf and a human can read it after a failed run:
 *
 * <pre>
 * &#64;info key=value
 * &#64;samples name count
 * one integer per line, count lines (nanoseconds)
 * </pre>
 *
 * The measuring process only records raw nanoseconds; every statistic is computed by the driver
 * with one piece of code (Stats in the driver), so the C and JVM series cannot differ in how a
 * percentile is taken.
 */
public final class ResultFile {

    private final Map<String, String> info = new LinkedHashMap<>();
    private final Map<String, long[]> samples = new LinkedHashMap<>();

    public ResultFile info(String key, Object value) {
        info.put(key, String.valueOf(value));
        return this;
    }

    public ResultFile samples(String name, long[] values) {
        samples.put(name, values);
        return this;
    }

    public Map<String, String> info() {
        return info;
    }

    public String info(String key) {
        return info.get(key);
    }

    /** @return the named samples, or null when the run did not record them */
    public long[] samples(String name) {
        return samples.get(name);
    }

    public Map<String, long[]> allSamples() {
        return samples;
    }

    public void write(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            for (Map.Entry<String, String> e : info.entrySet()) {
                w.write("@info " + e.getKey() + "=" + e.getValue() + "\n");
            }
            for (Map.Entry<String, long[]> e : samples.entrySet()) {
                w.write("@samples " + e.getKey() + " " + e.getValue().length + "\n");
                for (long v : e.getValue()) {
                    w.write(Long.toString(v));
                    w.write('\n');
                }
            }
        }
        // the driver treats a present file as a finished run; never let it see half of one
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    public static ResultFile read(Path file) throws IOException {
        ResultFile r = new ResultFile();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("@info ")) {
                    String kv = line.substring(6);
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        throw new IOException(file + ": malformed info line: " + line);
                    }
                    r.info.put(kv.substring(0, eq), kv.substring(eq + 1));
                } else if (line.startsWith("@samples ")) {
                    String[] parts = line.split(" ");
                    if (parts.length != 3) {
                        throw new IOException(file + ": malformed samples line: " + line);
                    }
                    int n = Integer.parseInt(parts[2]);
                    long[] values = new long[n];
                    for (int i = 0; i < n; i++) {
                        String v = in.readLine();
                        if (v == null) {
                            throw new IOException(file + ": " + parts[1] + " ends after " + i + " of " + n + " samples");
                        }
                        values[i] = Long.parseLong(v.trim());
                    }
                    r.samples.put(parts[1], values);
                } else if (!line.isBlank()) {
                    throw new IOException(file + ": unexpected line: " + line);
                }
            }
        }
        return r;
    }
}

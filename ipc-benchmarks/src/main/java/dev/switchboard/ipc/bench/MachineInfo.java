package dev.switchboard.ipc.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The facts the report header needs to make numbers from different machines or days
 * comparable. Everything is read at run time; nothing is assumed.
 */
public final class MachineInfo {

    private MachineInfo() {}

    /** Ordered key/value pairs for the report header and the JSON "machine" object. */
    public static Map<String, String> collect(String driverAffinity) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("date", ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        m.put("machine", orUnknown(CFloor.firstLine(List.of("uname", "-a"))));
        m.put("cpu", cpuModel());
        m.put("cores", Runtime.getRuntime().availableProcessors() + " available to the driver (CPUs " + driverAffinity
                + "), " + onlineCpus() + " online");
        m.put("memory", memTotal());
        m.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " (" + System.getProperty("java.vendor") + ")");
        m.put("load_average_at_start", loadAverage());
        Properties versions = libraryVersions();
        for (String name : versions.stringPropertyNames().stream().sorted().toList()) {
            m.put(name, versions.getProperty(name));
        }
        return m;
    }

    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2] + " (1, 5, 15 min)";
        } catch (IOException | ArrayIndexOutOfBoundsException e) {
            return "unknown";
        }
    }

    /** The 1-minute load average, or NaN where /proc cannot tell. */
    public static double loadOneMinute() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** The driver's own CPU list, the reference for what "unpinned" means on this machine. */
    public static String driverAffinity() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return line.substring("Cpus_allowed_list:".length()).trim();
                }
            }
        } catch (IOException e) {
            // not Linux; pinning checks will say so
        }
        return "unknown";
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "unknown";
    }

    private static String onlineCpus() {
        try {
            return Files.readString(Path.of("/sys/devices/system/cpu/online")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String memTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return String.format(java.util.Locale.ROOT, "%.1f GiB", kb / 1024.0 / 1024.0);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return "unknown";
    }

    /** Versions of the compared libraries, filtered into the jar from the parent pom at build time. */
    private static Properties libraryVersions() {
        Properties p = new Properties();
        try (InputStream in = MachineInfo.class.getResourceAsStream("versions.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // the header then just lacks the versions
        }
        return p;
    }

    private static String orUnknown(String s) {
        return s == null ? "unknown" : s;
    }
}

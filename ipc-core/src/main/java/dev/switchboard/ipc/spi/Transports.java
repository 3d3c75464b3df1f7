package dev.switchboard.ipc.spi;

import java.util.ServiceLoader;

/** Transport SPI: finds the transport for this OS once. */
public final class Transports {

    private static volatile Transport current;

    private Transports() {}

    /** @throws IllegalStateException naming what is missing when no transport supports this OS */
    public static Transport get() {
        Transport t = current;
        if (t == null) {
            synchronized (Transports.class) {
                t = current;
                if (t == null) {
                    t = load();
                    current = t;
                }
            }
        }
        return t;
    }

    private static Transport load() {
        Transport best = null;
        StringBuilder seen = new StringBuilder();
        for (Transport t : ServiceLoader.load(Transport.class, Transports.class.getClassLoader())) {
            seen.append(seen.length() == 0 ? "" : ", ").append(t.name());
            if (t.isSupported() && (best == null || t.priority() > best.priority())) {
                best = t;
            }
        }
        if (best == null) {
            throw new IllegalStateException("no Switchboard transport supports " + System.getProperty("os.name")
                    + " (found: " + (seen.length() == 0 ? "none; add ipc-transport-unix or ipc-transport-winpipe to the classpath" : seen) + ")");
        }
        return best;
    }
}

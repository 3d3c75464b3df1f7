package dev.switchboard.ipc.broker.sandbox;

import dev.switchboard.ipc.SharedBuffer;
import dev.switchboard.ipc.SharedMapping;
import dev.switchboard.ipc.broker.ChildProcess;
import dev.switchboard.ipc.spi.SandboxOps;
import dev.switchboard.ipc.spi.Transports;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The child programs of {@link SandboxProcessTest}. Each is a main class of its own; each reports
 * on stdout (redirected to a file by the test) and exits 0 when everything it checked held.
 */
final class SandboxChildren {

    private SandboxChildren() {}

    /** Handled by {@link MiddleHost}: sleeps a minute, so the caller is blocked when the host dies. */
    static final RequestType<Long, Long> SLEEPY = RequestType.of("Sleepy", 0x534C4550, SandboxCodecs.LONG, SandboxCodecs.LONG);

    static final String[] ZONES = {null, "UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata",
        "Australia/Lord_Howe", "America/St_Johns", "Pacific/Chatham"};

    private static final DateTimeFormatter ABBREVIATION = DateTimeFormatter.ofPattern("zzz", Locale.ROOT);

    private static final PrintStream OUT = System.out;

    static void say(String line) {
        synchronized (OUT) {
            OUT.println(line);
            OUT.flush();
        }
    }

    /** The slot the launcher named, from the system property. */
    static int slotFromProperty() {
        String v = System.getProperty(SandboxIpc.PROPERTY);
        if (v == null || !v.startsWith("fd:")) {
            throw new IllegalStateException("no " + SandboxIpc.PROPERTY + " property: " + v);
        }
        return Integer.parseInt(v.substring(3));
    }

    /** Null when {@code got} is what java.time in this process says, else the difference. */
    static String checkLocalTime(BrokenDownTime got, long epochSeconds, String zone) {
        ZoneId z = zone == null ? ZoneId.systemDefault() : ZoneId.of(zone);
        Instant instant = Instant.ofEpochSecond(epochSeconds);
        ZonedDateTime t = instant.atZone(z);
        BrokenDownTime want = new BrokenDownTime(t.getYear(), t.getMonthValue(), t.getDayOfMonth(), t.getHour(),
                t.getMinute(), t.getSecond(), t.getDayOfWeek().getValue(), t.getDayOfYear(),
                z.getRules().isDaylightSavings(instant), t.getOffset().getTotalSeconds(), ABBREVIATION.format(t), z.getId());
        return got.equals(want) ? null : "LocalTime(" + epochSeconds + ", " + zone + "): got " + got + ", want " + want;
    }

    /**
     * Mixed LocalTime and MakeSharedMemorySegment requests from several threads, each reply
     * checked; then the fd table compared with the one before. Args: threads, requests per
     * thread, seed. Prints "ok N" or the first problem.
     */
    public static final class Load {
        public static void main(String[] args) throws Exception {
            int threads = Integer.parseInt(args[0]);
            int perThread = Integer.parseInt(args[1]);
            long seed = Long.parseLong(args[2]);
            SandboxTestSupport.warmUpFdTable();
            Map<Integer, String> before = SandboxTestSupport.ourFds();
            SandboxIpcClient client = SandboxIpcClient.fromEnvironment();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<String>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Random random = new Random(seed * 1_000_003L + t);
                results.add(pool.submit(() -> run(client, random, perThread)));
            }
            String problem = null;
            for (Future<String> f : results) {
                String p = f.get();
                problem = problem == null ? p : problem;
            }
            pool.shutdown();
            String leak = SandboxTestSupport.fdDifference(before);
            if (problem == null && leak != null) {
                problem = "descriptors leaked in the child: " + leak;
            }
            say(problem == null ? "ok " + threads * perThread : "FAIL " + problem);
            System.exit(problem == null ? 0 : 1);
        }

        private static String run(SandboxIpcClient client, Random random, int count) {
            try {
                for (int i = 0; i < count; i++) {
                    if (random.nextBoolean()) {
                        long when = random.nextLong() % 4_000_000_000L;
                        String zone = ZONES[random.nextInt(ZONES.length)];
                        String p = checkLocalTime(client.localTime(when, zone), when, zone);
                        if (p != null) {
                            return p;
                        }
                    } else {
                        int size = 1 + random.nextInt(65536);
                        try (SharedBuffer segment = client.makeSharedMemorySegment(size, false)) {
                            long got = segment.size();
                            if (got != size) {
                                return "segment of " + got + " bytes, asked for " + size;
                            }
                            if (i % 20 == 0) {
                                try (SharedMapping mapping = segment.map()) {
                                    ByteBuffer map = mapping.buffer();
                                    map.put(size - 1, (byte) i);
                                    if (map.get(size - 1) != (byte) i) {
                                        return "segment did not keep a byte";
                                    }
                                }
                            }
                        }
                    }
                }
                return null;
            } catch (IOException | RuntimeException e) {
                return e.toString();
            }
        }
    }

    /**
     * Sends one bad request (args: kind, the host's maxRequestBytes), waits until the host has
     * closed every descriptor it was sent, then makes one good request itself and checks its own
     * fd table. Prints "dropped", "served", "fds-ok".
     */
    public static final class Bad {
        public static void main(String[] args) throws Exception {
            BadRequest kind = BadRequest.valueOf(args[0]);
            int maxRequestBytes = Integer.parseInt(args[1]);
            SandboxTestSupport.warmUpFdTable();
            Map<Integer, String> before = SandboxTestSupport.ourFds();
            SandboxOps ops = Transports.get().sandboxOps();
            List<Long> watch = kind.send(ops, slotFromProperty(), maxRequestBytes);
            try {
                BadRequest.awaitHangUp(ops, watch, Duration.ofSeconds(20));
            } finally {
                watch.forEach(BadRequest::close);
            }
            say("dropped");
            BrokenDownTime t = SandboxIpcClient.fromEnvironment().localTime(0, "UTC");
            say(t.year() == 1970 ? "served" : "FAIL wrong reply " + t);
            String leak = SandboxTestSupport.fdDifference(before);
            say(leak == null ? "fds-ok" : "FAIL descriptors leaked in the child: " + leak);
            System.exit(leak == null && t.year() == 1970 ? 0 : 1);
        }
    }

    /**
     * Reports what it inherited: the property and switch, the slot's link target and socket
     * type, every socket/pipe/memfd it has, and what reading the slot does.
     */
    public static final class SlotCheck {
        public static void main(String[] args) throws Exception {
            // before anything of ours opens a descriptor
            Map<Integer, String> inherited = SandboxTestSupport.ourFds();
            say("property " + System.getProperty(SandboxIpc.PROPERTY));
            say("args " + java.util.Arrays.toString(args));
            int slot = slotFromProperty();
            say("inherited " + inherited);
            say("link " + Files.readSymbolicLink(Path.of("/proc/self/fd/" + slot)));
            SandboxOps ops = Transports.get().sandboxOps();
            say("kind " + ops.socketKind(slot));
            long t0 = System.nanoTime();
            int ready = ops.await(new long[] {slot}, 0)[0];
            SandboxOps.Packet p = ops.receive(slot, 64, 4);
            long micros = (System.nanoTime() - t0) / 1000;
            say("read readable=" + ((ready & SandboxOps.READABLE) != 0) + " bytes=" + (p == null ? "none" : p.data().length)
                    + " fds=" + (p == null ? "none" : p.fds().length) + " micros=" + micros);
            say("year " + SandboxIpcClient.fromEnvironment().localTime(0, "UTC").year());
        }
    }

    /**
     * Blocks in two requests the host will never finish: one through the client (the host's
     * handler picks it up and sleeps) and one sent by hand (it waits in the shared socket's
     * queue behind the first). Prints when each fails, as epoch milliseconds.
     */
    public static final class Blocked {
        public static void main(String[] args) throws Exception {
            say("pid " + ProcessHandle.current().pid());
            SandboxIpcClient client = SandboxIpcClient.fromEnvironment();
            Thread first = new Thread(() -> {
                try {
                    client.call(SLEEPY, 1L, Duration.ofSeconds(60));
                    say("FAIL reply-1");
                } catch (SandboxIpcException e) {
                    say("failed-1 " + System.currentTimeMillis() + " " + e.getClass().getSimpleName() + ": " + e.getMessage());
                }
            });
            first.start();

            SandboxOps ops = Transports.get().sandboxOps();
            long[] pair = ops.seqPacketPair();
            byte[] request = ByteBuffer.allocate(12).putInt(SLEEPY.magic()).putLong(2).array();
            ops.send(slotFromProperty(), request, new long[] {pair[0]}, 5000);
            BadRequest.close(pair[0]);
            say("sent-2");
            int r = ops.await(new long[] {pair[1]}, 60_000)[0];
            say(((r & SandboxOps.HANGUP) != 0 ? "failed-2 " : "FAIL no-hangup-2 ") + System.currentTimeMillis());
            BadRequest.close(pair[1]);
            first.join();
        }
    }

    /**
     * A host in its own process, so the test can kill it: answers {@link #SLEEPY} by sleeping and
     * launches {@link Blocked} with the sandbox channel. Args: directory for the grandchild's
     * output.
     */
    public static final class MiddleHost {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            SandboxIpcHost host = SandboxIpcHost.start(SandboxIpcHost.Options.DEFAULT.handle(SLEEPY, v -> {
                say("handler-entered " + v);
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return v;
            }));
            ChildProcess grandchild = SandboxTestSupport.javaChild(Blocked.class, dir, "grandchild")
                    .passSandboxChannel(host)
                    .start();
            say("grandchild " + grandchild.pid());
            new CountDownLatch(1).await(); // until killed
        }
    }
}

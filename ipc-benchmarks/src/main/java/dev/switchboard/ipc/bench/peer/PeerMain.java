package dev.switchboard.ipc.bench.peer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Entry point of every JVM that takes part in a cross-process measurement; the driver
 * ({@code BenchMain}) never measures in its own JVM.
 *
 * <pre>
 * PeerMain parent &lt;series&gt; &lt;result-file&gt; &lt;workload words&gt;   measures, writes a {@link ResultFile}
 * PeerMain child  &lt;series&gt; &lt;address&gt; &lt;workload words&gt;       the other end, started by the parent
 * </pre>
 *
 * The driver pins a run by starting the parent under {@code taskset}; the child inherits the
 * affinity because every launcher here forks from the pinned parent.
 */
public final class PeerMain {

    /** Peer name of the set-up measurement ({@link SwitchboardSetup}). */
    public static final String SETUP = "switchboard-setup";

    /** Peer name of the scale measurement ({@link ScaleBroker}). */
    public static final String SCALE = "switchboard-scale";

    private PeerMain() {}

    public static void main(String[] argv) throws Exception {
        long mainEntered = System.nanoTime();
        List<String> args = new ArrayList<>();
        for (String a : argv) {
            // ChildProcessLauncher appends the switch naming the channel; IncomingInvitation reads it
            if (!a.startsWith("--switchboard")) {
                args.add(a);
            }
        }
        if (args.size() < 3) {
            System.err.println("usage: PeerMain parent|child <series> <result-file|address> <workload words>");
            System.exit(2);
        }
        String role = args.get(0);
        String series = args.get(1);
        List<String> words = args.subList(3, args.size());
        try {
            if (role.equals("parent")) {
                parent(series, Path.of(args.get(2)), Workload.parse(words));
                System.exit(0); // library threads (event loops, gRPC) must not keep the run alive
            } else if (role.equals("child")) {
                child(series, args.get(2), words, mainEntered);
            } else {
                throw new IllegalArgumentException("role must be parent or child: " + role);
            }
        } catch (Throwable t) {
            System.err.println(role + " " + series + " failed:");
            t.printStackTrace();
            System.exit(1);
        }
    }

    private static void parent(String series, Path resultFile, Workload w) throws Exception {
        // socket paths must stay under the 108-byte sun_path limit, so not below the driver's work dir
        Path dir = Files.createTempDirectory("swb");
        try {
            ResultFile r = switch (series) {
                case SwitchboardSetup.NAME -> SwitchboardSetup.measure(w, dir);
                case ScaleBroker.NAME -> ScaleBroker.measure(w, dir);
                case TypedSyncSeries.NAME -> TypedSyncSeries.measure(w);
                default -> {
                    try (Link link = series(series).open(w, dir)) {
                        yield ParentLoops.run(link, w);
                    }
                }
            };
            r.write(resultFile);
        } finally {
            deleteTree(dir);
        }
    }

    private static void child(String series, String address, List<String> words, long mainEntered) throws Exception {
        boolean watched = Boolean.getBoolean(JavaChild.WATCH_STDIN);
        if (watched) {
            JavaChild.exitWhenParentGoes();
        }
        switch (series) {
            case SwitchboardSetup.NAME -> SwitchboardSetup.child(address, mainEntered);
            case ScaleBroker.NAME -> ScaleChild.run(Workload.parse(words));
            default -> series(series).serve(Workload.parse(words), address);
        }
        if (watched) {
            // stay alive for the parent's /proc checks; the stdin watch ends the process
            Thread.currentThread().join();
        }
        System.exit(0);
    }

    private static PeerSeries series(String name) {
        return switch (name) {
            case SwitchboardSeries.NAME -> new SwitchboardSeries();
            case JunixsocketSeries.NAME -> new JunixsocketSeries();
            case JdkUdsSeries.NAME -> new JdkUdsSeries();
            case GrpcSeries.NAME -> new GrpcSeries();
            case TypedSyncSeries.NAME -> new TypedSyncSeries();
            case GrpcProtoSeries.NAME -> new GrpcProtoSeries();
            case JeromqSeries.NAME -> new JeromqSeries();
            default -> throw new IllegalArgumentException("unknown series " + name);
        };
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}

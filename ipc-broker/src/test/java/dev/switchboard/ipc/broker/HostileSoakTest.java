package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Hostile children of every kind ({@link HostileKind}, written in Python from docs/protocol.md)
 * against one parent while a well-behaved child does round trips. The short run is part of the
 * default suite so that the machinery stays sound; the long one is tagged {@code soak}:
 *
 * <pre>
 * mvn -B -ntp -pl ipc-broker -am verify -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dtest=HostileSoakTest -Dsurefire.excludedGroups= -Dsoak.children=500
 * </pre>
 *
 * System properties: {@code soak.children} (500), {@code soak.concurrency} (6), {@code soak.seed}
 * (random, printed), {@code soak.kinds} (comma-separated modes, default all), {@code soak.holdMillis}
 * (3000: how long after it stalls a child may take to be dropped by the parent's 500 ms frame or
 * handshake timeout before the soak kills it), {@code soak.perKind} (true: one soak per kind),
 * {@code soak.quietMillis} (35000: the heap is measured right after the last child and again this
 * much later, past the invitations' 30 s handshake timers; the later figure must be within 16 MiB).
 */
class HostileSoakTest {

    private static final long MIB = 1 << 20;

    @BeforeAll
    static void needsPython() throws Exception {
        boolean python;
        try {
            python = new ProcessBuilder("python3", "-c", "import socket, array").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException e) {
            python = false;
        }
        Assumptions.assumeTrue(python, "the hostile children are Python 3 scripts; python3 is not on PATH");
    }

    /** One child of each kind and three more, two at a time, from a fixed seed: a few seconds, in the default suite. */
    @Test
    void shortSoakReportsEveryHostileChildAndKeepsServingTheGoodOne() throws Exception {
        List<HostileKind> kinds = HostileKind.parse(System.getProperty("soak.short.kinds", "all"));
        check(soak(new HostileSoak.Plan(Long.getLong("soak.short.seed", 20261206L), kinds.size() + 3, 2, kinds,
                Duration.ofMillis(500), Duration.ofSeconds(3), Duration.ofSeconds(20), 20_000, 10, Duration.ofSeconds(2), 16 * MIB, Duration.ZERO)));
    }

    @Test
    @Tag("soak")
    void longSoakReportsEveryHostileChildAndKeepsServingTheGoodOne() throws Exception {
        long seed = Long.getLong("soak.seed", System.nanoTime());
        List<HostileKind> kinds = HostileKind.parse(System.getProperty("soak.kinds", "all"));
        if (Boolean.getBoolean("soak.perKind")) {
            // one soak per kind, each against its own baseline: what each kind does on its own
            List<Executable> checks = new ArrayList<>();
            for (HostileKind kind : kinds) {
                HostileSoak.Result r = soak(longPlan(seed, List.of(kind)));
                checks.add(() -> check(r));
            }
            assertAll(checks);
            return;
        }
        check(soak(longPlan(seed, kinds)));
    }

    private static HostileSoak.Plan longPlan(long seed, List<HostileKind> kinds) {
        return new HostileSoak.Plan(seed, Integer.getInteger("soak.children", 500), Integer.getInteger("soak.concurrency", 6),
                kinds, Duration.ofMillis(500), Duration.ofMillis(Long.getLong("soak.holdMillis", 3000)), Duration.ofSeconds(20), 20_000, 10,
                Duration.ofSeconds(2), 16 * MIB, Duration.ofMillis(Long.getLong("soak.quietMillis", 35_000)));
    }

    /** Runs the soak and keeps its report in target/ (the test JVM's stdout goes to surefire's files). */
    private static HostileSoak.Result soak(HostileSoak.Plan plan) throws Exception {
        HostileSoak.Result r = HostileSoak.run(plan);
        String report = r.report();
        System.out.println(report);
        String kinds = plan.kinds().size() == 1 ? "-" + plan.kinds().get(0).mode : "";
        Path file = Path.of("target", "soak-report-" + plan.seed() + kinds + ".txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, report);
        return r;
    }

    private static void check(HostileSoak.Result r) {
        HostileSoak.Plan plan = r.plan();
        assertAll(r.report(),
                () -> assertEquals(plan.children(), r.outcomes().size(), "every child ran"),
                () -> assertTrue(r.failures().isEmpty(), () -> "children the parent did not handle:\n"
                        + r.failures().stream().map(Object::toString).collect(Collectors.joining("\n"))),
                () -> assertNull(r.roundTrips().stoppedBecause(), "the round trips went on to the end"),
                () -> assertTrue(r.roundTrips().count() > 0, "round trips happened"),
                () -> assertEquals(List.of(), r.roundTrips().missed(), "round trips over " + plan.roundTripDeadline().toMillis() + " ms"),
                () -> assertEquals(List.of(), r.footprint().over(), "back to the baseline"));
    }
}

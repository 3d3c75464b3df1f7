package dev.switchboard.ipc.ports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Randomized runs of five nodes. The scheduler delivers in-flight events in random order between
 * different node pairs but FIFO per (source, destination) pair, which is all a node channel
 * promises. Seeds: {@code -Dports.sim.seeds=N} (default 10,000 for the run without node loss,
 * a quarter of that with); {@code -Dports.sim.seed=S} runs just seed S, with a trace on failure;
 * {@code -Dports.sim.nodes}, {@code .pipes}, {@code .ops} change the shape of every run.
 */
class PortsSimulationTest {

    private static final Simulation.Config MOVES = shape(false);
    private static final Simulation.Config LOSS = shape(true);

    private static Simulation.Config shape(boolean kill) {
        return new Simulation.Config(Integer.getInteger("ports.sim.nodes", 5), Integer.getInteger("ports.sim.pipes", 4),
                Integer.getInteger("ports.sim.ops", 150), true, kill, false);
    }

    private static long seeds(long dflt) {
        return Long.getLong("ports.sim.seeds", dflt);
    }

    private static long[] run(Simulation.Config config, long count, long salt) {
        Long only = Long.getLong("ports.sim.seed");
        if (only != null) {
            Simulation s = new Simulation(only, config, true);
            s.run();
            return s.stats();
        }
        long[] total = new long[Simulation.Stat.values().length];
        for (long seed = 0; seed < count; seed++) {
            // Every 16th run also sends each event through the codec, so it sees real traffic.
            Simulation.Config c = seed % 16 == 0
                    ? new Simulation.Config(config.nodes(), config.dataPipes(), config.operations(), config.closes(), config.killOne(), true)
                    : config;
            Simulation s = new Simulation(seed * 7919 + salt, c, false);
            s.run();
            long[] stats = s.stats();
            for (int i = 0; i < total.length; i++) {
                total[i] += stats[i];
            }
        }
        return total;
    }

    private static long stat(long[] stats, Simulation.Stat s) {
        return stats[s.ordinal()];
    }

    private static String describe(long[] stats) {
        StringBuilder b = new StringBuilder();
        for (Simulation.Stat s : Simulation.Stat.values()) {
            b.append(s.name().toLowerCase()).append('=').append(stats[s.ordinal()]).append(' ');
        }
        return b.toString();
    }

    @Test
    void pipesThatTravelDeliverEverythingExactlyOnceInOrder() {
        long n = seeds(10_000);
        long[] stats = run(MOVES, n, 1);
        // The invariants are checked inside every run; this only makes sure the runs were busy.
        String what = describe(stats);
        System.out.println(n + " runs without node loss: " + what);
        assertTrue(stat(stats, Simulation.Stat.MOVES) >= 5 * n, what);
        assertTrue(stat(stats, Simulation.Stat.NESTED) >= n, what);
        assertTrue(stat(stats, Simulation.Stat.READS) >= 20 * n, what);
        assertTrue(stat(stats, Simulation.Stat.CLOSED_SEEN) > 0 && stat(stats, Simulation.Stat.DISCARDS) > 0, what);
        assertEquals(0, stat(stats, Simulation.Stat.LOST_PIPES), what);
    }

    @Test
    void losingANodeClosesExactlyTheRoutesThroughItAndNothingHangs() {
        long n = Math.max(1, seeds(10_000) / 4);
        long[] stats = run(LOSS, n, 2);
        String what = describe(stats);
        System.out.println(n + " runs losing one node: " + what);
        assertTrue(stat(stats, Simulation.Stat.MOVES) >= 5 * n, what);
        assertTrue(stat(stats, Simulation.Stat.LOST_PIPES) >= n, what);
    }
}

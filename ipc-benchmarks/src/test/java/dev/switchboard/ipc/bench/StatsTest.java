package dev.switchboard.ipc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void nearestRankNeverInterpolates() {
        Stats s = Stats.of(new double[] {5, 1, 4, 2, 3});
        assertEquals(3, s.median());
        assertEquals(5, s.percentile(99));
        assertEquals(1, s.percentile(1));
        assertEquals(1, s.min());
        assertEquals(5, s.max());
    }

    @Test
    void evenCountTakesTheLowerMiddle() {
        assertEquals(2, Stats.of(new double[] {4, 3, 2, 1}).median());
    }

    @Test
    void p99OfHundredSamplesIsTheNinetyNinthSmallest() {
        double[] v = new double[100];
        for (int i = 0; i < 100; i++) {
            v[i] = 100 - i; // 100 .. 1, unsorted on purpose
        }
        Stats s = Stats.of(v);
        assertEquals(99, s.percentile(99));
        assertEquals(50, s.median());
        assertEquals(100, s.percentile(100));
    }

    @Test
    void nanosAreConvertedToTheRequestedUnit() {
        assertEquals(2.5, Stats.ofNanos(new long[] {2_500, 1_000, 9_000}, 1e3).median());
    }

    @Test
    void batchesBecomeRatesPerSecond() {
        // 1000 messages in 1 ms, 2 ms and 4 ms
        Stats s = Stats.ratesPerSecond(new long[] {1_000_000, 2_000_000, 4_000_000}, 1000);
        assertEquals(500_000, s.median(), 1e-6);
        assertEquals(250_000, s.min(), 1e-6);
        assertEquals(1_000_000, s.max(), 1e-6);
    }

    @Test
    void refusesNonsense() {
        assertThrows(IllegalArgumentException.class, () -> Stats.of(new double[0]));
        assertThrows(IllegalArgumentException.class, () -> Stats.of(new double[] {1}).percentile(0));
    }
}

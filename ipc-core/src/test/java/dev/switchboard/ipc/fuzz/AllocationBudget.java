package dev.switchboard.ipc.fuzz;

import java.lang.management.ManagementFactory;

/**
 * Fails a fuzz target when a decoder allocates far more than the input it was given: a length or
 * count field that is trusted before it is checked shows up here long before it exhausts the heap.
 * Measured with the calling thread's allocation counter.
 *
 * <p>The budget is {@value #BYTES_PER_INPUT_BYTE} bytes per input byte plus {@value #FIXED_BYTES}
 * bytes: room for the decoded objects, a UTF-8 decoder's buffers and a collection sized from a
 * checked count, and nowhere near an allocation sized from an unchecked 32-bit field.
 */
public final class AllocationBudget {

    public static final long BYTES_PER_INPUT_BYTE = 64;
    public static final long FIXED_BYTES = 64 * 1024;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** A decode step: returns a value or throws the decoder's documented exception. */
    @FunctionalInterface
    public interface Decode<T, E extends Exception> {
        T run() throws E;
    }

    private AllocationBudget() {}

    /**
     * Runs {@code decode} and returns or throws what it does, unless it allocated more than the
     * budget for {@code inputBytes}. Decoders are deterministic, so an overrun is measured a second
     * time before it counts: the first call of a code path also pays for loading its classes.
     */
    public static <T, E extends Exception> T run(int inputBytes, String what, Decode<T, E> decode) throws E {
        long budget = BYTES_PER_INPUT_BYTE * inputBytes + FIXED_BYTES;
        long start = THREADS.getCurrentThreadAllocatedBytes();
        try {
            return decode.run();
        } finally {
            long used = THREADS.getCurrentThreadAllocatedBytes() - start;
            if (used > budget) {
                long again = measure(decode);
                if (again > budget) {
                    throw new AssertionError(what + " allocated " + again + " bytes for " + inputBytes
                            + " input bytes; the budget is " + budget);
                }
            }
        }
    }

    private static long measure(Decode<?, ?> decode) {
        long start = THREADS.getCurrentThreadAllocatedBytes();
        try {
            decode.run();
        } catch (Exception expected) {
            // the first run threw it too; only the allocation counts here
        }
        return THREADS.getCurrentThreadAllocatedBytes() - start;
    }
}

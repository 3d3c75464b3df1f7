package dev.switchboard.ipc.broker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** A process error handler that keeps every report, for tests to wait on. */
final class ErrorLog implements ProcessErrorHandler {

    private final List<ProcessError> errors = new ArrayList<>();

    @Override
    public synchronized void onProcessError(ProcessError error) {
        errors.add(error);
        notifyAll();
    }

    synchronized List<ProcessError> all() {
        return List.copyOf(errors);
    }

    synchronized ProcessError find(Predicate<ProcessError> which) {
        return errors.stream().filter(which).findFirst().orElse(null);
    }

    /** The first report {@code which} accepts, waiting up to {@code timeout}; null if none came. */
    synchronized ProcessError await(Predicate<ProcessError> which, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            ProcessError e = find(which);
            if (e != null) {
                return e;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }
}

package dev.switchboard.ipc.ports;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** A payload that knows who it is and counts how often the engine dropped it. */
final class TestPayload implements UserPayload {

    private static final AtomicLong IDS = new AtomicLong();

    final long id = IDS.incrementAndGet();
    final String text;
    /** Whatever the test wants to remember about the message. */
    final Object tag;
    final AtomicInteger discards = new AtomicInteger();
    /** Run on every discard, after counting it. */
    volatile Runnable onDiscard = () -> { };

    TestPayload(String text) {
        this(text, null);
    }

    TestPayload(String text, Object tag) {
        this.text = text;
        this.tag = tag;
    }

    @Override
    public void discard() {
        discards.incrementAndGet();
        onDiscard.run();
    }

    @Override
    public String toString() {
        return text;
    }
}

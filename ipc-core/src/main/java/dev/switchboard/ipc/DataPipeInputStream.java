package dev.switchboard.ipc;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;

/** A blocking input stream over a data pipe's consumer (element size 1). Closing it closes the end. */
final class DataPipeInputStream extends InputStream {

    private static final Duration FOREVER = Duration.ofNanos(Long.MAX_VALUE);

    private final DataPipeConsumer consumer;

    DataPipeInputStream(DataPipeConsumer consumer) {
        this.consumer = consumer;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        return read(ByteBuffer.wrap(b, off, len));
    }

    int read(ByteBuffer dst) throws IOException {
        if (!consumer.isOpen()) {
            throw new IOException("stream closed");
        }
        try {
            int n;
            do {
                n = consumer.read(dst, FOREVER);
            } while (n == 0);
            return n;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading from a data pipe");
        }
    }

    @Override
    public int available() {
        return consumer.isOpen() ? consumer.available() : 0;
    }

    @Override
    public void close() {
        consumer.close();
    }
}

package dev.switchboard.ipc;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A blocking output stream over a data pipe's producer (element size 1). Each write is committed
 * before it returns, so there is nothing to flush. Closing it closes the end.
 */
final class DataPipeOutputStream extends OutputStream {

    private final DataPipeProducer producer;

    DataPipeOutputStream(DataPipeProducer producer) {
        this.producer = producer;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        write(ByteBuffer.wrap(b, off, len));
    }

    void write(ByteBuffer src) throws IOException {
        if (!producer.isOpen()) {
            throw new IOException("stream closed");
        }
        try {
            producer.writeFully(src);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing to a data pipe");
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}

package dev.switchboard.ipc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;

/** A blocking channel over a data pipe's consumer (element size 1). Closing it closes the end. */
final class DataPipeReadableChannel implements ReadableByteChannel {

    private final DataPipeConsumer consumer;
    private final DataPipeInputStream stream;

    DataPipeReadableChannel(DataPipeConsumer consumer) {
        this.consumer = consumer;
        this.stream = new DataPipeInputStream(consumer);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
        return dst.hasRemaining() ? stream.read(dst) : 0;
    }

    @Override
    public boolean isOpen() {
        return consumer.isOpen();
    }

    @Override
    public void close() {
        consumer.close();
    }
}

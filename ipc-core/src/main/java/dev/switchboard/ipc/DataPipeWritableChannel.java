package dev.switchboard.ipc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.WritableByteChannel;

/** A blocking channel over a data pipe's producer (element size 1): each write writes everything. */
final class DataPipeWritableChannel implements WritableByteChannel {

    private final DataPipeProducer producer;
    private final DataPipeOutputStream stream;

    DataPipeWritableChannel(DataPipeProducer producer) {
        this.producer = producer;
        this.stream = new DataPipeOutputStream(producer);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
        int n = src.remaining();
        stream.write(src);
        return n;
    }

    @Override
    public boolean isOpen() {
        return producer.isOpen();
    }

    @Override
    public void close() {
        producer.close();
    }
}

package dev.switchboard.ipc.pickle;

/**
 * Writes values of one type into a {@link Pickle} and reads them back from a {@link PickleReader}
 * (Chromium calls this ParamTraits). Register one for each of your own types that is not a record
 * with {@link ParamCodecs.Builder#add}.
 *
 * <p>{@code read} must consume exactly what {@code write} produced, must throw only
 * {@link PickleException} for bad input (the reader's own methods already do), and must never
 * pre-size a container from a count it read (use {@link PickleReader#readCount(int)}, which
 * bounds the count by the bytes that remain). Codecs are shared between threads: keep them
 * stateless.
 */
public interface ParamCodec<T> {

    /**
     * Appends {@code value} to {@code pickle}.
     *
     * @param pickle where to write
     * @param value the value, never null
     * @throws IllegalArgumentException when the value cannot be encoded (e.g. it holds a null)
     */
    void write(Pickle pickle, T value);

    /**
     * Reads one value written by {@link #write}.
     *
     * @param reader where to read; on bad input it is poisoned and the exception thrown
     * @return the value, never null
     * @throws PickleException when the input does not decode as a {@code T}
     */
    T read(PickleReader reader);

    /**
     * The fewest bytes any value of this type occupies; at least 4 (every value in a pickle takes
     * at least one 4-byte slot). Counts read off the wire are bounded with it.
     *
     * @return the minimum encoded size in bytes
     */
    default int minWireSize() {
        return 4;
    }
}

package dev.switchboard.ipc.pickle;

/**
 * Bytes (or handles) that do not decode as the declared type. Always the result of hostile or
 * corrupt input, never of a bug in the receiver; recognise it by {@link #reason()}.
 */
public final class PickleException extends RuntimeException {

    /** What was wrong with the input. */
    public enum Reason {
        /** A read needed more bytes than remain. */
        TRUNCATED,
        /** A length or count is negative, or larger than the remaining input could hold. */
        BAD_LENGTH,
        /** Padding bytes that are not zero. */
        BAD_PADDING,
        /** A string that is not valid UTF-8. */
        BAD_UTF8,
        /** A value outside its type's range: a bool that is not 0 or 1, an unknown enum value, a
         * duplicate set element or map key, an out-of-range instant, a malformed URI, a record
         * whose constructor refused the values, a user codec that refused the input. */
        INVALID_VALUE,
        /** Values nested deeper than {@link PickleReader#MAX_DEPTH}. */
        TOO_DEEP,
        /** A handle index that is out of range, reused, or not the next one in order. */
        BAD_HANDLE,
        /** Handles that arrived with the message but no field claimed. */
        UNCLAIMED_HANDLES,
        /** Bytes left over after the last field. */
        TRAILING_BYTES,
        /** A message header that is too short or has flags that do not fit together. */
        BAD_HEADER,
        /** A type id the receiver did not declare. */
        UNKNOWN_TYPE,
        /** A read after an earlier failure: a reader stays failed. */
        POISONED
    }

    /** What was wrong; serialized with the exception. */
    private final Reason reason;

    /**
     * An exception for input that failed to decode.
     *
     * @param reason what was wrong
     * @param message what was wrong, where (an offset or field), in words
     */
    public PickleException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    /**
     * An exception for input that failed to decode, with the failure that revealed it.
     *
     * @param reason what was wrong
     * @param message what was wrong, where, in words
     * @param cause the underlying failure (e.g. a user codec's exception)
     */
    public PickleException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /**
     * What was wrong with the input, to act on without parsing the message.
     *
     * @return the reason
     */
    public Reason reason() {
        return reason;
    }

    /** Stack traces of hostile input tell nothing useful and cost time under a fuzzer. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}

package dev.switchboard.ipc.datapipe;

/** Whether a read or write may move fewer bytes than asked for. */
public enum TransferMode {
    /** Everything asked for, or nothing ({@link DataPipeStatus#OUT_OF_RANGE}). */
    ALL_OR_NONE,
    /** As many whole elements as fit now; {@link DataPipeStatus#SHOULD_WAIT} if none does. */
    PARTIAL
}

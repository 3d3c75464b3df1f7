package dev.switchboard.ipc.broker;

import static dev.switchboard.ipc.broker.ProcessError.Kind.BAD_MESSAGE;
import static dev.switchboard.ipc.broker.ProcessError.Kind.DISCONNECTED;
import static dev.switchboard.ipc.broker.ProcessError.Kind.MALFORMED;
import static dev.switchboard.ipc.broker.ProcessError.Kind.NOT_CONNECTED;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The ways a child of {@code src/test/python/hostile_soak_child.py} attacks its parent, and what the
 * parent must make of each. The Python mode name is {@link #mode}.
 */
enum HostileKind {

    // framing: bytes that no reader may accept
    BAD_MAGIC("bad-magic", Script.MISBEHAVES, "bad magic", MALFORMED),
    TRUNCATED_HEADER("truncated-header", Script.MISBEHAVES, "truncated header", MALFORMED),
    LENGTH_PAST_LIMIT("length-past-limit", Script.MISBEHAVES, "exceeds the limit", MALFORMED),
    HANDLE_COUNT_MISMATCH("handle-count-mismatch", Script.MISBEHAVES, "declares 3 handles", MALFORMED),
    FDS_WITHOUT_FRAME("fds-without-frame", Script.MISBEHAVES, "declares 0 handles", MALFORMED),
    /** 61 to 253 fds on one sendmsg: more than a reader can take in. */
    TOO_MANY_FDS("too-many-fds", Script.MISBEHAVES, "fds|handles|descriptors", MALFORMED),
    /** 15 one-byte writes with 60 fds each: 900 descriptors for one unfinished header. */
    FD_DRIP("fd-drip", Script.MISBEHAVES, "fds|handles|descriptors|frame", MALFORMED),
    // handshake: well-formed frames with content the inviter must refuse
    ACCEPT_ZERO_NODE("accept-zero-node", Script.MISBEHAVES, "zero|node", MALFORMED),
    ACCEPT_ZERO_PORT("accept-zero-port", Script.MISBEHAVES, "zero|port", MALFORMED),
    /** A trusted client asking its broker to adopt tens of thousands of invitees it never had. */
    ADD_CLIENT_FLOOD("add-client-flood", Script.MISBEHAVES, "add_client|client", MALFORMED, BAD_MESSAGE),
    UNTRUSTED_FD("untrusted-fd", Script.MISBEHAVES, "handle", BAD_MESSAGE),
    UNTRUSTED_INTRO("untrusted-intro", Script.MISBEHAVES, "introduc", BAD_MESSAGE),
    // stalls: the child goes silent; the parent's frame or handshake timeout must drop it
    /** A header declaring a 64 MiB payload, then silence. */
    SILENT_PAYLOAD("silent-payload", Script.STALLS, "incomplete|timeout|timed out", MALFORMED),
    /** Reads the INVITE and never answers. */
    NO_HANDSHAKE("no-handshake", Script.STALLS, "accept|handshake", NOT_CONNECTED, MALFORMED),
    // lifetime
    /** kill -9 while it streams messages. A writer killed mid-frame leaves a truncated frame, also a fair report. */
    KILLED_MID_STREAM("stream-until-killed", Script.STREAMS, "disconnected|mid-frame|truncated", DISCONNECTED, MALFORMED),
    /** Writes its last messages and its closure, then closes and exits while the parent still writes to it. */
    EXIT_AT_ONCE("exit-at-once", Script.EXITS_AT_ONCE, "", DISCONNECTED),
    /** Same-user connections to a named channel that send nothing, then the real child's connect. */
    NAMED_STALL("named-stall", Script.CONNECTS_PAST_STALLERS, "", DISCONNECTED);

    /** What the soak does with a child of a kind, and so what it checks. */
    enum Script {
        /** The child's own bytes must get it reported, without the soak ending it. */
        MISBEHAVES,
        /**
         * The child goes silent; the parent's own timeout (the soak sets it short) must drop and
         * report it before the soak gives up and kills it.
         */
        STALLS,
        /** The child streams until the soak kills it: reported, and the pipe reports peer-closed. */
        STREAMS,
        /** Every message the child wrote arrives, then peer-closed. */
        EXITS_AT_ONCE,
        /** The real connection gets through to a round trip despite the silent ones. */
        CONNECTS_PAST_STALLERS
    }

    final String mode;
    final Script script;
    /** Matched (found, case-insensitively) in the reason of the report that counts. */
    final Pattern reason;
    /** The report kinds that count as this child being reported. */
    final Set<ProcessError.Kind> reportKinds;

    HostileKind(String mode, Script script, String reason, ProcessError.Kind first, ProcessError.Kind... more) {
        this.mode = mode;
        this.script = script;
        this.reason = Pattern.compile(reason, Pattern.CASE_INSENSITIVE);
        this.reportKinds = EnumSet.of(first, more);
    }

    boolean untrusted() {
        return this == UNTRUSTED_FD || this == UNTRUSTED_INTRO;
    }

    boolean matches(ProcessError e) {
        return reportKinds.contains(e.kind()) && e.reason() != null && reason.matcher(e.reason()).find();
    }

    static HostileKind byMode(String mode) {
        for (HostileKind k : values()) {
            if (k.mode.equals(mode) || k.name().equalsIgnoreCase(mode)) {
                return k;
            }
        }
        throw new IllegalArgumentException("no hostile kind '" + mode + "'");
    }

    /** Parses "bad-magic,fd-drip" (modes or enum names); "all" or empty means every kind. */
    static List<HostileKind> parse(String list) {
        if (list == null || list.isBlank() || list.equals("all")) {
            return List.of(values());
        }
        return java.util.Arrays.stream(list.split(",")).map(String::trim).map(HostileKind::byMode).toList();
    }
}

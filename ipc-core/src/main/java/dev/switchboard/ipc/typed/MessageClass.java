package dev.switchboard.ipc.typed;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares a group of messages and its class id: the high 16 bits of each message's type id
 * ({@code (id << 16) | messageId}). Put it on a sealed interface whose permitted subclasses are
 * records annotated with {@link MessageId}, or on an interface whose methods are annotated with
 * {@link MessageId} (for {@link Remote} and {@link Receiver}). Ids are explicit so that they stay
 * the same across builds; 0 and 0xFFFF are reserved.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface MessageClass {
    /**
     * The class id, the high 16 bits of each type id.
     *
     * @return 1 to 0xFFFE
     */
    int id();

    /**
     * The name that prefixes message names (e.g. "ChildProcess" in "ChildProcess.GetCookies").
     *
     * @return the name; empty means the annotated type's simple name
     */
    String name() default "";
}

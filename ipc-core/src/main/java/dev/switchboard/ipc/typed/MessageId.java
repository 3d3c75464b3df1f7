package dev.switchboard.ipc.typed;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The low 16 bits of a message's type id (0 to 0xFFFF), unique within its {@link MessageClass}.
 * On a record (a message) or on an interface method (a method message).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface MessageId {
    /**
     * The message id within its class.
     *
     * @return 0 to 0xFFFF
     */
    int value();
}

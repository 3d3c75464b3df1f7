package dev.switchboard.ipc.typed;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A message that is answered. On a record message, {@link #reply()} is the type of the answer
 * ({@code Void.class}: an empty answer); send it with {@link IpcChannel#sendSync} (the caller
 * blocks) or {@link IpcChannel#call} (a future). On an interface method, the method blocks until
 * the answer (its return type, or {@code void}) arrives; {@code reply} is ignored there.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Sync {
    /**
     * The reply type of a record message (a type with a codec); ignored on methods.
     *
     * @return the reply class; {@code Void.class} for an empty reply
     */
    Class<?> reply() default Void.class;
}

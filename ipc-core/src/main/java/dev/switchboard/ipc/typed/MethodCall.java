package dev.switchboard.ipc.typed;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;

/**
 * The decoded body of a method message (an interface declared with {@link MessageClass} whose
 * methods carry {@link MessageId}): which method, and its arguments, decoded with the codecs of
 * the method's declared parameter types. {@link Receiver} invokes it; a filter or listener may
 * inspect it.
 */
public final class MethodCall {

    private final Method method;
    private final Object[] args;

    MethodCall(Method method, Object[] args) {
        this.method = method;
        this.args = args;
    }

    /**
     * The interface method called.
     *
     * @return the method, as declared in the interface
     */
    public Method method() {
        return method;
    }

    /**
     * The arguments in declaration order. Handles and pipes among them still belong to the
     * message (see {@link IncomingMessage}).
     *
     * @return a copy of the arguments, in a fixed-size list
     */
    public List<Object> arguments() {
        return Arrays.asList(args.clone());
    }

    Object[] rawArgs() {
        return args;
    }

    @Override
    public String toString() {
        return method.getDeclaringClass().getSimpleName() + "." + method.getName() + Arrays.toString(args);
    }
}

package dev.switchboard.ipc.typed;

import dev.switchboard.ipc.pickle.ParamCodec;
import dev.switchboard.ipc.pickle.Pickle;
import dev.switchboard.ipc.pickle.PickleReader;
import java.lang.reflect.Method;

/** A method message's body: the arguments, in order, each with its parameter's codec. */
final class ArgsCodec implements ParamCodec<Object> {

    private final Method method;
    private final ParamCodec<Object>[] params;

    ArgsCodec(Method method, ParamCodec<Object>[] params) {
        this.method = method;
        this.params = params;
    }

    @Override
    public void write(Pickle p, Object value) {
        Object[] args = ((MethodCall) value).rawArgs();
        for (int i = 0; i < params.length; i++) {
            if (args[i] == null) {
                throw new IllegalArgumentException(method.getName() + ": argument " + i + " is null; null is not encodable");
            }
            params[i].write(p, args[i]);
        }
    }

    @Override
    public Object read(PickleReader r) {
        Object[] args = new Object[params.length];
        for (int i = 0; i < args.length; i++) {
            args[i] = params[i].read(r);
        }
        return new MethodCall(method, args);
    }
}

package dev.switchboard.ipc.broker;

import dev.switchboard.ipc.NamedPlatformChannel;
import dev.switchboard.ipc.PlatformChannelEndpoint;
import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.broker.sandbox.SandboxIpc;
import dev.switchboard.ipc.broker.sandbox.SandboxIpcHost;
import dev.switchboard.ipc.spi.ProcessSpawner;
import dev.switchboard.ipc.spi.Transports;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Starts a child process that inherits chosen handles in chosen descriptor slots and nothing
 * else: the platform channel endpoint goes to slot 3 (by default) with a command-line switch
 * naming it, every other descriptor of this process stays here.
 *
 * <pre>{@code
 * PlatformChannel channel = PlatformChannel.create();
 * ChildProcess child = ChildProcessLauncher.forJava(MyChild.class)
 *         .passEndpoint(channel.takeRemoteEndpoint())
 *         .start();
 * }</pre>
 *
 * Handles passed to the launcher belong to it: this process's copies are closed once the child
 * has started (or failed to).
 */
public final class ChildProcessLauncher {

    /** The slot the platform channel endpoint goes to unless told otherwise. */
    public static final int DEFAULT_ENDPOINT_SLOT = 3;

    private final String javaMainClass;
    private final List<String> command;
    private final List<String> jvmOptions = new ArrayList<>();
    private final List<String> args = new ArrayList<>();
    private final Map<String, String> environment = new HashMap<>(System.getenv());
    private final Map<Integer, PlatformHandle> slots = new LinkedHashMap<>();
    private String classpath = System.getProperty("java.class.path");
    private Path javaExecutable = Path.of(System.getProperty("java.home"), "bin", "java");
    private Path workingDirectory;
    private ProcessSpawner.Redirect stdin = ProcessSpawner.Redirect.INHERIT;
    private ProcessSpawner.Redirect stdout = ProcessSpawner.Redirect.INHERIT;
    private ProcessSpawner.Redirect stderr = ProcessSpawner.Redirect.INHERIT;
    private String channelSwitchValue;
    private String sandboxSwitchValue;

    private ChildProcessLauncher(String javaMainClass, List<String> command) {
        this.javaMainClass = javaMainClass;
        this.command = command;
    }

    /**
     * A launcher for a JVM running {@code mainClass} on this JVM's class path, with the same
     * {@code java}.
     *
     * @param mainClass the child's main class
     * @return the launcher
     */
    public static ChildProcessLauncher forJava(Class<?> mainClass) {
        return forJava(mainClass.getName());
    }

    /**
     * A launcher for a JVM running the named class on this JVM's class path, with the same
     * {@code java}.
     *
     * @param mainClassName the child's main class, by binary name
     * @return the launcher
     */
    public static ChildProcessLauncher forJava(String mainClassName) {
        return new ChildProcessLauncher(Objects.requireNonNull(mainClassName), null);
    }

    /**
     * A launcher for any program.
     *
     * @param command the program and its first arguments; {@code command.get(0)} is looked up
     *     on PATH when it has no slash
     * @return the launcher
     * @throws IllegalArgumentException when {@code command} is empty
     */
    public static ChildProcessLauncher forCommand(List<String> command) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        return new ChildProcessLauncher(null, List.copyOf(command));
    }

    /**
     * Adds JVM options for a {@link #forJava} child.
     *
     * @param options e.g. {@code -Xmx64m}
     * @return this launcher
     * @throws IllegalStateException for a {@link #forCommand} launcher
     */
    public ChildProcessLauncher jvmOptions(String... options) {
        requireJava("jvmOptions");
        jvmOptions.addAll(List.of(options));
        return this;
    }

    /**
     * Sets the class path of a {@link #forJava} child (this JVM's by default).
     *
     * @param classpath the class path, in the platform's syntax
     * @return this launcher
     * @throws IllegalStateException for a {@link #forCommand} launcher
     */
    public ChildProcessLauncher classpath(String classpath) {
        requireJava("classpath");
        this.classpath = Objects.requireNonNull(classpath);
        return this;
    }

    /**
     * Sets the {@code java} executable of a {@link #forJava} child (this JVM's by default).
     *
     * @param java path to the executable
     * @return this launcher
     * @throws IllegalStateException for a {@link #forCommand} launcher
     */
    public ChildProcessLauncher javaExecutable(Path java) {
        requireJava("javaExecutable");
        this.javaExecutable = Objects.requireNonNull(java);
        return this;
    }

    /**
     * Adds arguments after the main class (Java) or after the command.
     *
     * @param arguments the arguments
     * @return this launcher
     */
    public ChildProcessLauncher args(String... arguments) {
        args.addAll(List.of(arguments));
        return this;
    }

    /**
     * Sets one environment variable; the child otherwise gets this process's environment.
     *
     * @param name the variable
     * @param value its value
     * @return this launcher
     */
    public ChildProcessLauncher environment(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /**
     * Keeps one of this process's environment variables from the child.
     *
     * @param name the variable
     * @return this launcher
     */
    public ChildProcessLauncher removeEnvironment(String name) {
        environment.remove(name);
        return this;
    }

    /**
     * Sets the child's working directory (this process's by default).
     *
     * @param dir the directory, or null for this process's
     * @return this launcher
     */
    public ChildProcessLauncher workingDirectory(Path dir) {
        this.workingDirectory = dir;
        return this;
    }

    /**
     * Sends the child's stdout to {@code file}, truncated first; inherited otherwise.
     *
     * @param file the file, created if missing
     * @return this launcher
     */
    public ChildProcessLauncher redirectOutput(Path file) {
        stdout = new ProcessSpawner.Redirect(file, false);
        return this;
    }

    /**
     * Sends the child's stderr to {@code file}, truncated first; inherited otherwise.
     *
     * @param file the file, created if missing
     * @return this launcher
     */
    public ChildProcessLauncher redirectError(Path file) {
        stderr = new ProcessSpawner.Redirect(file, false);
        return this;
    }

    /**
     * Appends the child's stdout to {@code file}; inherited otherwise.
     *
     * @param file the file, created if missing
     * @return this launcher
     */
    public ChildProcessLauncher appendOutput(Path file) {
        stdout = new ProcessSpawner.Redirect(file, true);
        return this;
    }

    /**
     * Appends the child's stderr to {@code file}; inherited otherwise.
     *
     * @param file the file, created if missing
     * @return this launcher
     */
    public ChildProcessLauncher appendError(Path file) {
        stderr = new ProcessSpawner.Redirect(file, true);
        return this;
    }

    /**
     * Reads the child's stdin from {@code file}; inherited otherwise.
     *
     * @param file the file
     * @return this launcher
     */
    public ChildProcessLauncher redirectInput(Path file) {
        stdin = new ProcessSpawner.Redirect(file, false);
        return this;
    }

    /**
     * Puts the endpoint in slot {@value #DEFAULT_ENDPOINT_SLOT} and names it on the command line:
     * {@code -Dswitchboard.platformChannel=fd:3} for a Java child (its {@code main} arguments stay
     * the caller's own), {@code --switchboard-platform-channel=fd:3} after the arguments of any
     * other command.
     *
     * @param endpoint the child's end; its handle now belongs to the launcher
     * @return this launcher
     * @throws IllegalStateException when a platform channel was already passed
     */
    public ChildProcessLauncher passEndpoint(PlatformChannelEndpoint endpoint) {
        return passEndpoint(endpoint, DEFAULT_ENDPOINT_SLOT);
    }

    /**
     * Puts the endpoint in {@code slot} and names it on the command line, as
     * {@link #passEndpoint(PlatformChannelEndpoint)} does.
     *
     * @param endpoint the child's end; its handle now belongs to the launcher
     * @param slot the child's descriptor number, 3 or more
     * @return this launcher
     * @throws IllegalStateException when a platform channel was already passed
     * @throws IllegalArgumentException when the slot is below 3 or taken
     */
    public ChildProcessLauncher passEndpoint(PlatformChannelEndpoint endpoint, int slot) {
        if (channelSwitchValue != null) {
            throw new IllegalStateException("a platform channel was already passed");
        }
        passHandle(endpoint.takeHandle(), slot);
        channelSwitchValue = "fd:" + slot;
        return this;
    }

    /**
     * Adds the switch that names the channel and its one-time token; nothing is inherited.
     *
     * @param channel the listening channel, still owned by the caller
     * @return this launcher
     * @throws IllegalStateException when a platform channel was already passed
     */
    public ChildProcessLauncher passNamedChannel(NamedPlatformChannel channel) {
        if (channelSwitchValue != null) {
            throw new IllegalStateException("a platform channel was already passed");
        }
        channelSwitchValue = channel.switchValue();
        return this;
    }

    /**
     * Puts a duplicate of the sandbox host's child end in slot {@value SandboxIpc#DEFAULT_SLOT} and
     * names it for the child: the system property {@code -Dswitchboard.sandboxIpc=fd:4} for Java
     * children, the switch {@code --switchboard-sandbox-ipc=fd:4} after the arguments of other
     * commands; {@code SandboxIpcClient.fromEnvironment()} reads either. The host keeps its own
     * copy for the next child; the launcher owns the duplicate and closes it after the spawn.
     *
     * @param host the host, still owned by the caller
     * @return this launcher
     * @throws IllegalStateException when a sandbox channel was already passed, or the host is closed
     */
    public ChildProcessLauncher passSandboxChannel(SandboxIpcHost host) {
        return passSandboxChannel(host, SandboxIpc.DEFAULT_SLOT);
    }

    /**
     * Passes the sandbox channel in {@code slot}, as {@link #passSandboxChannel(SandboxIpcHost)}
     * does.
     *
     * @param host the host, still owned by the caller
     * @param slot the child's descriptor number, 3 or more
     * @return this launcher
     * @throws IllegalStateException when a sandbox channel was already passed, or the host is closed
     * @throws IllegalArgumentException when the slot is below 3 or taken
     */
    public ChildProcessLauncher passSandboxChannel(SandboxIpcHost host, int slot) {
        if (sandboxSwitchValue != null) {
            throw new IllegalStateException("a sandbox channel was already passed");
        }
        checkSlot(slot);
        passHandle(host.duplicateChildEnd(), slot); // cannot fail now that the slot is checked
        sandboxSwitchValue = "fd:" + slot;
        return this;
    }

    /**
     * Any handle into any slot above 2 (e.g. a sandbox socket in slot 4). The launcher owns it
     * from now on.
     *
     * @param handle the handle; the launcher closes it after the spawn
     * @param slot the child's descriptor number, 3 or more
     * @return this launcher
     * @throws IllegalArgumentException when the slot is below 3 or taken
     */
    public ChildProcessLauncher passHandle(PlatformHandle handle, int slot) {
        checkSlot(slot);
        slots.put(slot, handle);
        return this;
    }

    private void checkSlot(int slot) {
        if (slot < 3) {
            throw new IllegalArgumentException("slots 0-2 are stdin/stdout/stderr; use the redirect methods");
        }
        if (slots.containsKey(slot)) {
            throw new IllegalArgumentException("slot " + slot + " is already taken");
        }
    }

    /** {@return the full argument vector {@link #start()} will use} */
    public List<String> commandLine() {
        List<String> argv = new ArrayList<>();
        if (javaMainClass != null) {
            argv.add(javaExecutable.toString());
            if (Runtime.version().feature() >= 22) {
                // JNA and junixsocket in the child call native code
                argv.add("--enable-native-access=ALL-UNNAMED");
            }
            argv.addAll(jvmOptions);
            if (channelSwitchValue != null) {
                argv.add("-D" + PlatformChannelEndpoint.PROPERTY + "=" + channelSwitchValue);
            }
            if (sandboxSwitchValue != null) {
                argv.add("-D" + SandboxIpc.PROPERTY + "=" + sandboxSwitchValue);
            }
            if (classpath != null && !classpath.isEmpty()) {
                argv.add("-cp");
                argv.add(classpath);
            }
            argv.add(javaMainClass);
            // the -D property above names the channel: main(String[]) gets exactly the user's args
            argv.addAll(args);
        } else {
            argv.addAll(command);
            argv.addAll(args);
            if (channelSwitchValue != null) {
                // last, so that "sh -c SCRIPT" and the like keep their positional arguments
                argv.add(PlatformChannelEndpoint.SWITCH + "=" + channelSwitchValue);
            }
            if (sandboxSwitchValue != null) {
                argv.add(SandboxIpc.SWITCH + "=" + sandboxSwitchValue);
            }
        }
        return argv;
    }

    /**
     * Starts the child. Every handle passed to this launcher is closed here afterwards, whether
     * the start worked or not.
     *
     * @return the running child
     * @throws IOException when the program cannot be started
     */
    public ChildProcess start() throws IOException {
        try {
            Map<Integer, Long> raw = new HashMap<>();
            slots.forEach((slot, h) -> raw.put(slot, h.value()));
            ProcessSpawner.Request request = new ProcessSpawner.Request(commandLine(), environment,
                    workingDirectory, raw, stdin, stdout, stderr);
            return new ChildProcess(Transports.get().spawner().spawn(request));
        } finally {
            // The child has its own copies now; ours must go without shutting the socket down,
            // which PlatformHandle.close guarantees.
            slots.values().forEach(PlatformHandle::close);
            slots.clear();
        }
    }

    private void requireJava(String what) {
        if (javaMainClass == null) {
            throw new IllegalStateException(what + " applies only to forJava launchers");
        }
    }
}

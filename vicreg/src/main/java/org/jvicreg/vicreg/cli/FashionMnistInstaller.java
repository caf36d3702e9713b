package org.jvicreg.vicreg.cli;

import com.sun.security.auth.module.UnixSystem;
import org.jvicreg.vicreg.data.Datasets;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Installs Debian's {@code dataset-fashion-mnist} for the demo, as torchvision's {@code download=True}
 * fetches its data: where {@code apt-get} exists and we are root or have password-less sudo, it runs
 * {@code apt-get install -y} (non-interactive), and when that fails (on a fresh machine the package lists
 * may be empty) {@code apt-get update} and the install once more. apt's output goes to the log, so the user
 * sees progress. The commands run through a {@link Commands}, so a test can answer them instead.
 */
final class FashionMnistInstaller {
    static final String PACKAGE = "dataset-fashion-mnist";

    /** Runs a command and returns its exit status (127 when it cannot start, as a shell says). */
    @FunctionalInterface
    interface Commands {
        /** {@code showOutput}: the command's stdout and stderr go to the log; otherwise they are dropped. */
        int run(List<String> command, boolean showOutput) throws IOException, InterruptedException;
    }

    private final boolean root;
    private final Commands commands;
    private final PrintStream log;

    FashionMnistInstaller(boolean root, Commands commands, PrintStream log) {
        this.root = root;
        this.commands = commands;
        this.log = log;
    }

    /** The installer for this machine: its real user id, real processes, apt's output on {@code log}. */
    static FashionMnistInstaller forThisMachine(PrintStream log) {
        return new FashionMnistInstaller(isRoot(), processes(log), log);
    }

    /** Commands run as processes, their output (when shown) copied to {@code log} as it comes. */
    static Commands processes(PrintStream log) {
        return (command, showOutput) -> {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            if (!showOutput) pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) { // not on the PATH
                return 127;
            }
            p.getOutputStream().close(); // nothing to answer: a prompt reads end-of-file instead of waiting
            if (showOutput) {
                p.getInputStream().transferTo(log);
                log.flush();
            }
            return p.waitFor();
        };
    }

    /**
     * Installs the package if this machine lets us; true when apt-get said it did. On false nothing was
     * installed: no apt-get, neither root nor password-less sudo, or apt-get failed (its output says why).
     */
    boolean install() throws IOException, InterruptedException {
        if (commands.run(List.of("apt-get", "--version"), false) != 0) return false;
        List<String> asRoot = new ArrayList<>();
        if (!root) {
            if (commands.run(List.of("sudo", "-n", "true"), false) != 0) return false;
            asRoot.addAll(List.of("sudo", "-n"));
        }
        asRoot.addAll(List.of("env", "DEBIAN_FRONTEND=noninteractive", "apt-get"));
        log.println("vicreg demo: Fashion-MNIST is not installed at " + Datasets.DEBIAN_FASHION_MNIST + "; installing it: "
                + (root ? "" : "sudo ") + "apt-get install -y " + PACKAGE);
        if (apt(asRoot, "install", "-y", PACKAGE)) return true;
        log.println("vicreg demo: the install failed; updating the package lists (apt-get update) and trying once more");
        return apt(asRoot, "update") && apt(asRoot, "install", "-y", PACKAGE);
    }

    private boolean apt(List<String> asRoot, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(asRoot);
        command.addAll(List.of(args));
        return commands.run(command, true) == 0;
    }

    private static boolean isRoot() {
        try {
            return new UnixSystem().getUid() == 0;
        } catch (LinkageError e) { // not a Unix system
            return false;
        }
    }
}

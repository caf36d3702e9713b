package org.jvicreg.engine.dist;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts JVMs of this test class path under Open MPI's {@code mpirun} (as root where the tests run as root,
 * oversubscribing the cores). Tests that need it call {@link #assumeAvailable()}: skipped with the reason
 * where mpirun or libmpi is missing, failed instead under {@code -Djvicreg.mpi.required=true}.
 */
public final class MpiRun {
    private MpiRun() {}

    /** What a run printed and how it ended. */
    public record Result(int exit, String stdout, String stderr, Duration took) {
        public String both() {
            return "exit " + exit + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    /** Why MPI runs cannot happen here, or null when they can. */
    public static String unavailable() {
        if (findOnPath("mpirun") == null) return "no mpirun on PATH (install openmpi-bin)";
        try {
            MpiLibrary.open();
        } catch (UnsatisfiedLinkError e) {
            return e.getMessage();
        }
        return null;
    }

    public static void assumeAvailable() {
        String why = unavailable();
        if (why != null && Boolean.getBoolean("jvicreg.mpi.required")) {
            throw new AssertionError("MPI is required (-Djvicreg.mpi.required=true) but " + why);
        }
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
    }

    /** The command that runs {@code mainAndArgs} (a main class and its arguments) on {@code ranks} ranks. */
    public static List<String> command(int ranks, List<String> jvmFlags, List<String> mainAndArgs) {
        List<String> cmd = new ArrayList<>(List.of("mpirun", "-np", Integer.toString(ranks), "--oversubscribe",
                "--mca", "btl", "self,vader", "--bind-to", "none"));
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx1g"));
        cmd.addAll(jvmFlags);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.addAll(mainAndArgs);
        return cmd;
    }

    /** Starts the command with mpirun's environment for running as root; output goes to the two files. */
    public static Process start(List<String> command, Path stdout, Path stderr, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT", "1");
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().putAll(env);
        return pb.start();
    }

    /** Runs {@code mainAndArgs} on {@code ranks} ranks and waits up to {@code limit} (then kills it and fails). */
    public static Result run(int ranks, Duration limit, Path workDir, List<String> jvmFlags, List<String> mainAndArgs,
                             Map<String, String> env) throws IOException, InterruptedException {
        Path out = Files.createTempFile(workDir, "mpirun", ".out"), err = Files.createTempFile(workDir, "mpirun", ".err");
        long t0 = System.nanoTime();
        Process p = start(command(ranks, jvmFlags, mainAndArgs), out, err, env);
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor();
            throw new AssertionError("mpirun did not finish within " + limit.toSeconds() + " s:\n" + Files.readString(out)
                    + "\n" + Files.readString(err));
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err), Duration.ofNanos(System.nanoTime() - t0));
    }

    private static Path findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String d : path.split(":")) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }
}

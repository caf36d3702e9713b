package org.jvicreg.vicreg.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Times a {@link Workload}: warm-up runs (until both a count and a time are reached, so the JIT has compiled
 * the hot kernels), then timed runs, reported by their median.
 */
public final class BenchRunner {
    private BenchRunner() {}

    /** How long to warm up and measure. */
    public record Plan(int warmupRuns, double warmupSeconds, int runs, double seconds) {}

    /** Sorted run times in milliseconds. */
    public record Result(Workload workload, double[] millis) {
        public double median() {
            int n = millis.length;
            return n % 2 == 1 ? millis[n / 2] : (millis[n / 2 - 1] + millis[n / 2]) / 2;
        }

        public double min() {
            return millis[0];
        }

        public double gflops() {
            return workload.flops() / (median() * 1e6);
        }
    }

    public static Result measure(Workload w, Plan plan, PrintStream log) {
        long start = System.nanoTime();
        for (int i = 0; i < plan.warmupRuns() || (System.nanoTime() - start) / 1e9 < plan.warmupSeconds(); i++) {
            long t = System.nanoTime();
            w.run();
            log.printf("warm-up %d: %.2f ms%n", i + 1, (System.nanoTime() - t) / 1e6);
        }
        double[] times = new double[16];
        int n = 0;
        start = System.nanoTime();
        while (n < plan.runs() || (System.nanoTime() - start) / 1e9 < plan.seconds()) {
            long t = System.nanoTime();
            w.run();
            if (n == times.length) times = Arrays.copyOf(times, 2 * n);
            times[n++] = (System.nanoTime() - t) / 1e6;
            log.printf("run %d: %.2f ms%n", n, times[n - 1]);
        }
        double[] sorted = Arrays.copyOf(times, n);
        Arrays.sort(sorted);
        return new Result(w, sorted);
    }

    /** The process's peak resident set in MiB (VmHWM of /proc/self/status), or -1 where there is none. */
    public static double peakResidentMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}

package org.jvicreg.engine;

import org.jvicreg.engine.backend.Backend;
import org.jvicreg.engine.cpu.CpuBackend;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Where the time goes, per {@link Backend} primitive. While a profiler is open, every call that tensor ops
 * make on a backend (through {@link Tensor#backend()}) is counted and timed, under the primitive's name or,
 * with {@code byShape}, its name and the shapes of its tensor arguments. Only the outermost call counts: a
 * primitive that a backend builds from others is timed once. On a backend that queues its work (CUDA) the
 * device is synchronised before and after each call so that each time is the call's own; that serialises
 * the host and the device, so a profiled run is slower than an unprofiled one. Allocation is a primitive too
 * ({@code allocate}, {@code allocateUninitialized}: on the CPU, Java's zeroing and the garbage collections
 * it triggers); the time the table does not cover is the Java around the primitives: autograd, tensor
 * objects, optimizer bookkeeping.
 * <pre>
 *   try (Profiler p = Profiler.start(false)) {
 *       step();
 *   }
 *   System.err.print(p.table(20));
 * </pre>
 * One profiler is open at a time; calls from every thread count.
 */
public final class Profiler implements AutoCloseable {
    private static volatile Profiler current;
    private static final Map<Backend, Backend> PROXIES = new ConcurrentHashMap<>();
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    /** Calls and nanoseconds of one primitive (or primitive and shapes). */
    public record Entry(String key, long calls, long nanos) {
        public double millis() {
            return nanos / 1e6;
        }
    }

    private final boolean byShape;
    private final Map<String, LongAdder[]> stats = new ConcurrentHashMap<>();
    private final long startNanos;
    private long endNanos = -1;

    private Profiler(boolean byShape) {
        this.byShape = byShape;
        this.startNanos = System.nanoTime();
    }

    /**
     * Starts recording; {@code byShape} keys each entry by the shapes of the call's tensor arguments too.
     * Throws when another profiler is open.
     */
    public static synchronized Profiler start(boolean byShape) {
        if (current != null) throw new IllegalStateException("a Profiler is already open; close it first");
        Profiler p = new Profiler(byShape);
        current = p;
        return p;
    }

    /** Stops recording (the entries stay readable). */
    @Override
    public synchronized void close() {
        synchronized (Profiler.class) {
            if (current == this) current = null;
        }
        if (endNanos < 0) endNanos = System.nanoTime();
    }

    /** The backend tensor ops should call: b itself, or while a profiler is open, b behind a timing proxy. */
    static Backend observe(Backend b) {
        return current == null ? b : PROXIES.computeIfAbsent(b, Profiler::proxy);
    }

    /** Every entry, most time first. */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        stats.forEach((k, v) -> out.add(new Entry(k, v[0].sum(), v[1].sum())));
        out.sort(Comparator.comparingLong(Entry::nanos).reversed().thenComparing(Entry::key));
        return out;
    }

    /** Wall-clock milliseconds from start to close (or to now while open). */
    public double wallMillis() {
        return ((endNanos < 0 ? System.nanoTime() : endNanos) - startNanos) / 1e6;
    }

    /**
     * The entries as a table, most time first, at most {@code rows} of them (the rest summed in one line),
     * with each one's share of the wall time, and the wall time the primitives do not cover.
     */
    public String table(int rows) {
        List<Entry> all = entries();
        double wall = wallMillis(), covered = 0;
        for (Entry e : all) covered += e.millis();
        int width = 36;
        for (int i = 0; i < Math.min(rows, all.size()); i++) width = Math.max(width, all.get(i).key().length());
        StringBuilder sb = new StringBuilder();
        String fmt = "%-" + width + "s %8s %11s %11s %7s%n";
        sb.append(String.format(Locale.ROOT, fmt, "backend primitive" + (byShape ? " and argument shapes" : ""), "calls",
                "total ms", "ms/call", "wall%"));
        for (int i = 0; i < Math.min(rows, all.size()); i++) {
            Entry e = all.get(i);
            sb.append(String.format(Locale.ROOT, fmt, e.key(), e.calls(), String.format(Locale.ROOT, "%.2f", e.millis()),
                    String.format(Locale.ROOT, "%.3f", e.millis() / e.calls()),
                    String.format(Locale.ROOT, "%.1f", 100 * e.millis() / wall)));
        }
        if (all.size() > rows) {
            double rest = 0;
            long calls = 0;
            for (Entry e : all.subList(rows, all.size())) {
                rest += e.millis();
                calls += e.calls();
            }
            sb.append(String.format(Locale.ROOT, fmt, "(" + (all.size() - rows) + " more)", calls,
                    String.format(Locale.ROOT, "%.2f", rest), "", String.format(Locale.ROOT, "%.1f", 100 * rest / wall)));
        }
        sb.append(String.format(Locale.ROOT, "%.2f ms in backend primitives of %.2f ms wall time (%.1f%%); the rest is "
                + "Java around them (autograd, tensor objects, optimizer bookkeeping)%n", covered, wall, 100 * covered / wall));
        return sb.toString();
    }

    private void add(String key, long nanos) {
        LongAdder[] s = stats.computeIfAbsent(key, k -> new LongAdder[] {new LongAdder(), new LongAdder()});
        s[0].increment();
        s[1].add(nanos);
    }

    private String key(Method m, Object[] args) {
        if (!byShape || args == null) return m.getName();
        StringBuilder sb = new StringBuilder(m.getName());
        for (Object a : args) {
            if (a instanceof org.jvicreg.engine.backend.Operand t) sb.append(' ').append(Shape.str(t.shape()));
        }
        return sb.toString();
    }

    private static Backend proxy(Backend real) {
        boolean queued = real != CpuBackend.INSTANCE;
        InvocationHandler handler = (self, m, args) -> {
            if (m.getDeclaringClass() == Object.class) {
                return switch (m.getName()) {
                    case "equals" -> self == args[0];
                    case "hashCode" -> System.identityHashCode(self);
                    default -> real.toString();
                };
            }
            Profiler p = current;
            int[] depth = DEPTH.get();
            if (p == null || depth[0] > 0) return invoke(real, m, args);
            if (queued) real.synchronize();
            depth[0]++;
            long t = System.nanoTime();
            try {
                Object r = invoke(real, m, args);
                if (queued) real.synchronize();
                return r;
            } finally {
                p.add(p.key(m, args), System.nanoTime() - t);
                depth[0]--;
            }
        };
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, handler);
    }

    private static Object invoke(Backend real, Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(real, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}

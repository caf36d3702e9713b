package org.jvicreg.vicreg.bench;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.Memory;

/**
 * One benchmarked unit of work, shared by {@code vicreg bench} and the JMH benchmarks: built once
 * (inputs allocated, model initialised), then {@link #run} repeated. Each run ends with the device
 * synchronised, so wall time measures the work. A workload names itself, its parameters, its device and
 * the items a run processes when it is built; it supplies the work and its flop count.
 */
public abstract class Workload {
    private final String name, params;
    private final Device device;
    private final int items;

    /**
     * @param name   the name as the command line and the JSON line give it, e.g. "gemm"
     * @param params its parameters in words, e.g. "n=2048"
     * @param items  items (images) processed per run, for throughput; 0 where that means nothing
     */
    protected Workload(String name, String params, Device device, int items) {
        this.name = name;
        this.params = params;
        this.device = device;
        this.items = items;
    }

    /** The work of one repetition, as queued on the device. */
    protected abstract void work();

    /** Floating-point operations in one run (multiply and add count as two), for GFLOP/s. */
    public abstract double flops();

    public final String name() {
        return name;
    }

    public final String describe() {
        return params;
    }

    /** The device the work runs on. */
    public final Device device() {
        return device;
    }

    public final int items() {
        return items;
    }

    /**
     * One repetition: the work, the device synchronised, and every device buffer the work allocated
     * given back (on a GPU, a repetition's buffers would otherwise wait for the garbage collector).
     */
    public final void run() {
        try (var scope = Memory.scope()) {
            work();
            device().backend().synchronize();
        }
    }
}

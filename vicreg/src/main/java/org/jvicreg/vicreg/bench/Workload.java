package org.jvicreg.vicreg.bench;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.Memory;

/**
 * One benchmarked unit of work, shared by {@code vicreg bench} and the JMH benchmarks: built once
 * (inputs allocated, model initialised), then {@link #run} repeated. Each run ends with the device
 * synchronised, so wall time measures the work.
 */
public interface Workload {
    /** The device the work runs on. */
    Device device();

    /** The work of one repetition, as queued on the device. */
    void work();

    /** The workload's name as the command line and the JSON line give it, e.g. "gemm". */
    String name();

    /** Its parameters in words, e.g. "n=2048". */
    String describe();

    /** Floating-point operations in one run (multiply and add count as two), for GFLOP/s. */
    double flops();

    /** Items (images) processed per run, for throughput; 0 where that means nothing. */
    default int items() {
        return 0;
    }

    /**
     * One repetition: the work, the device synchronised, and every device buffer the work allocated
     * given back (on a GPU, a repetition's buffers would otherwise wait for the garbage collector).
     */
    default void run() {
        try (var scope = Memory.scope()) {
            work();
            device().backend().synchronize();
        }
    }
}

package org.jvicreg.vicreg.cuda;

import org.jvicreg.engine.cuda.EmulatedDevice;

import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The CPU emulator of the CUDA backend for this module's tests, or the test skipped, saying why. */
final class EmulatedCuda {
    private EmulatedCuda() {}

    /**
     * The emulated device; skips the calling test on a GPU machine (native-kernels/gpu-check.sh sets
     * jvicreg.cuda.required there, and {@code realTest} runs instead) or where g++ cannot build the emulator.
     */
    static EmulatedDevice load(String realTest) throws Throwable {
        assumeFalse(Boolean.getBoolean("jvicreg.cuda.required"), "a GPU is here: " + realTest);
        EmulatedDevice emulator = EmulatedDevice.load();
        assumeTrue(emulator != null, "no g++ to build the CUDA emulator");
        return emulator;
    }
}

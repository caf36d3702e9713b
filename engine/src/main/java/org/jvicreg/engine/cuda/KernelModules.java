package org.jvicreg.engine.cuda;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The compiled native-kernels, loaded from this package's resources: per module a fatbin (SASS for
 * sm_80 and sm_90, compute_90 PTX for newer GPUs) and the compute_80 PTX, used when the fatbin does
 * not load and to check {@link Kernel}'s signatures before anything runs.
 */
final class KernelModules {
    private final CudaContext ctx;
    private final Map<Kernel, CUfunction> functions = new EnumMap<>(Kernel.class);
    private final String loadedFrom;

    private KernelModules(CudaContext ctx) {
        this.ctx = ctx;
        StringBuilder from = new StringBuilder();
        for (String module : Kernel.MODULES) {
            String ptx = new String(resource(module + ".ptx"), StandardCharsets.US_ASCII);
            List<String> problems = PtxSignatures.mismatches(module, ptx);
            if (!problems.isEmpty()) {
                throw new IllegalStateException("the committed kernels do not match the Java launch table: " + problems
                        + " (rebuild them with native-kernels/build.sh)");
            }
            CUmodule m = new CUmodule();
            int r = ctx.loadModule(m, resource(module + ".fatbin"));
            String kind = "fatbin";
            if (r != CUresult.CUDA_SUCCESS) {
                byte[] text = Arrays.copyOf(ptx.getBytes(StandardCharsets.US_ASCII), ptx.length() + 1); // NUL-terminated
                m = new CUmodule();
                int r2 = ctx.loadModule(m, text);
                if (r2 != CUresult.CUDA_SUCCESS) {
                    throw new CudaError("cuda: the " + module + " kernels load neither as fatbin (" + CUresult.stringFor(r)
                            + ") nor as PTX (" + CUresult.stringFor(r2) + "); they are built by nvcc 13 (PTX ISA 9.0) and need an"
                            + " NVIDIA driver for CUDA 13 or newer, this one is for CUDA " + ctx.driverVersion / 1000 + "."
                            + ctx.driverVersion % 1000 / 10);
                }
                kind = "PTX";
            }
            if (!from.isEmpty()) from.append(", ");
            from.append(module).append(' ').append(kind);
            for (Kernel k : Kernel.values()) {
                if (k.module.equals(module)) functions.put(k, ctx.function(m, k.symbol));
            }
        }
        loadedFrom = from.toString();
    }

    static KernelModules load(CudaContext ctx) {
        return new KernelModules(ctx);
    }

    static byte[] resource(String name) {
        try (InputStream in = KernelModules.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource org/jvicreg/engine/cuda/" + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource org/jvicreg/engine/cuda/" + name + ": " + e.getMessage(), e);
        }
    }

    String loadedFrom() {
        return loadedFrom;
    }

    void launch(LaunchGeometry g, KernelArgs args) {
        ctx.launch(functions.get(args.kernel()), g, pointer(args.complete()));
    }

    /** cuLaunchKernel's kernelParams: an array of pointers, one to each argument's value. */
    static Pointer pointer(List<Object> values) {
        NativePointerObject[] params = new NativePointerObject[values.size()];
        for (int i = 0; i < params.length; i++) {
            Object v = values.get(i);
            params[i] = switch (v) {
                case long[] l -> Pointer.to(l);
                case int[] a -> Pointer.to(a);
                case float[] f -> Pointer.to(f);
                default -> throw new IllegalArgumentException("kernel argument of type " + v.getClass());
            };
        }
        return Pointer.to(params);
    }
}

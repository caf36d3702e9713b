package org.jvicreg.engine.cuda;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A {@link DeviceRuntime} whose kernels are the real native-kernels sources compiled for the host by
 * g++ with native-kernels/emulator (threads as fibers, {@code __syncthreads} as a barrier) and whose
 * device memory is malloc'd host memory. With it the backend's launch code and the kernels run, and
 * are compared with the CPU backend, on machines without a GPU. Convolutions (cuDNN) are not emulated.
 */
final class EmulatedDevice implements DeviceRuntime {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MALLOC = LINKER.downcallHandle(LINKER.defaultLookup().find("aligned_alloc").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle FREE = LINKER.downcallHandle(LINKER.defaultLookup().find("free").orElseThrow(),
            FunctionDescriptor.ofVoid(JAVA_LONG));
    private static final MemorySegment MEMORY = HostBlas.MEMORY;

    private final MethodHandle launch;

    private EmulatedDevice(Path library) throws Throwable {
        SymbolLookup lib = SymbolLookup.libraryLookup(library, Arena.global());
        launch = LINKER.downcallHandle(lib.find("emu_launch").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
        MethodHandle count = LINKER.downcallHandle(lib.find("emu_kernel_count").orElseThrow(), FunctionDescriptor.of(JAVA_INT));
        MethodHandle name = LINKER.downcallHandle(lib.find("emu_kernel_name").orElseThrow(),
                FunctionDescriptor.of(ADDRESS, JAVA_INT));
        Set<String> emulated = new HashSet<>();
        int n = (int) count.invokeExact();
        for (int i = 0; i < n; i++) emulated.add(((MemorySegment) name.invokeExact(i)).reinterpret(256).getString(0));
        List<String> missing = new ArrayList<>();
        for (Kernel k : Kernel.values()) if (!emulated.contains(k.symbol)) missing.add(k.symbol);
        if (!missing.isEmpty()) throw new IllegalStateException("native-kernels/emulator/emulator.cpp lacks " + missing);
    }

    /** Builds (once per source version) and loads the emulator; null with the reason printed when g++ is absent. */
    static EmulatedDevice load() throws Throwable {
        Path dir = KernelSourcesTest.NATIVE;
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(KernelSourcesTest.manifest(dir).getBytes());
        for (String f : List.of("emulator.cpp", "host_cuda.h")) md.update(Files.readAllBytes(dir.resolve("emulator").resolve(f)));
        String hash = HexFormat.of().formatHex(md.digest()).substring(0, 16);
        Path lib = Path.of(System.getProperty("java.io.tmpdir"), "jvicreg-emulator-" + hash + ".so");
        if (!Files.exists(lib)) {
            Path tmp = Files.createTempFile(lib.getParent(), "jvicreg-emulator", ".so");
            Process p;
            try {
                p = new ProcessBuilder("g++", "-std=c++20", "-O2", "-shared", "-fPIC", "-I", dir.resolve("src").toString(),
                        "-include", dir.resolve("emulator/host_cuda.h").toString(), "-o", tmp.toString(),
                        dir.resolve("emulator/emulator.cpp").toString()).redirectErrorStream(true).start();
            } catch (IOException e) {
                System.out.println("no kernel emulation: g++ did not start (" + e.getMessage() + ")");
                return null;
            }
            String log = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("g++ failed to build the kernel emulator:\n" + log);
            }
            Files.move(tmp, lib, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        return new EmulatedDevice(lib);
    }

    /** A CudaBackend on this device, with the host SGEMM and no convolutions. */
    CudaBackend backend() {
        Dnn none = new Dnn() {
            @Override
            public String describe() {
                return "none (convolutions need cuDNN; not emulated)";
            }

            private UnsupportedOperationException unsupported() {
                return new UnsupportedOperationException("convolutions are not emulated");
            }

            @Override
            public void convForward(org.jvicreg.engine.backend.ConvGeometry g, long x, long w, long y, boolean tf32) {
                throw unsupported();
            }

            @Override
            public void convBackwardData(org.jvicreg.engine.backend.ConvGeometry g, long dy, long w, long dx, boolean tf32) {
                throw unsupported();
            }

            @Override
            public void convBackwardFilter(org.jvicreg.engine.backend.ConvGeometry g, long x, long dy, long dw, boolean tf32) {
                throw unsupported();
            }

            @Override
            public void close() {}
        };
        return new CudaBackend(this, new ProviderChoice.Choice<>(new HostBlas(), "host", List.of()),
                ws -> new ProviderChoice.Choice<>(none, "none", List.of()), false);
    }

    @Override
    public int multiprocessors() {
        return 2; // small grids, so the kernels' grid-stride loops run more than once
    }

    @Override
    public void bind() {}

    @Override
    public long malloc(long bytes) {
        try {
            return (long) MALLOC.invokeExact(256L, (bytes + 255) / 256 * 256);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void free(long address) {
        try {
            FREE.invokeExact(address);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void memset32(long address, int value, long count) {
        for (long i = 0; i < count; i++) MEMORY.set(JAVA_INT, address + 4 * i, value);
    }

    @Override
    public void copyDeviceToDevice(long dst, long src, long bytes) {
        MemorySegment.copy(MEMORY, src, MEMORY, dst, bytes);
    }

    @Override
    public void upload(float[] src, int off, int n, long dst) {
        MemorySegment.copy(src, off, MEMORY, JAVA_FLOAT, dst, n);
    }

    @Override
    public void download(long src, float[] dst, int off, int n) {
        MemorySegment.copy(MEMORY, JAVA_FLOAT, src, dst, off, n);
    }

    @Override
    public int readInt(long address) {
        return MEMORY.get(JAVA_INT, address);
    }

    @Override
    public void launch(LaunchGeometry g, KernelArgs args) {
        List<Object> values = args.complete();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment argv = arena.allocate(ADDRESS, values.size());
            for (int i = 0; i < values.size(); i++) {
                MemorySegment v = switch (values.get(i)) {
                    case long[] l -> arena.allocateFrom(JAVA_LONG, l);
                    case int[] a -> arena.allocateFrom(JAVA_INT, a);
                    case float[] f -> arena.allocateFrom(JAVA_FLOAT, f);
                    default -> throw new IllegalArgumentException("argument " + values.get(i));
                };
                argv.setAtIndex(ADDRESS, i, v);
            }
            int rc = (int) launch.invokeExact(arena.allocateFrom(args.kernel().symbol), g.gridX(), g.gridY(), g.blockX(),
                    g.blockY(), argv);
            if (rc != 0) throw new IllegalStateException("emu_launch(" + args.kernel().symbol + ") returned " + rc);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void synchronize() {}

    @Override
    public String describe() {
        return "kernels emulated on the host (native-kernels/emulator)";
    }

    @Override
    public String toString() {
        return "emulator";
    }
}

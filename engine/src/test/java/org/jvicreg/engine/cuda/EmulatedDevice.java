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
import java.nio.file.StandardCopyOption;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A {@link DeviceRuntime} whose kernels are the real native-kernels sources compiled for the host by
 * g++ with native-kernels/emulator (threads as fibers, {@code __syncthreads} as a barrier) and whose
 * device memory is malloc'd host memory; cuBLAS and cuDNN are host implementations of the functions
 * the FFM providers bind (native-kernels/emulator/host_cu*.cpp). With it the backend's launch code,
 * the kernels and the FFM bindings run, and are compared with the CPU backend, without a GPU.
 */
public final class EmulatedDevice implements DeviceRuntime {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MALLOC = LINKER.downcallHandle(LINKER.defaultLookup().find("aligned_alloc").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle FREE = LINKER.downcallHandle(LINKER.defaultLookup().find("free").orElseThrow(),
            FunctionDescriptor.ofVoid(JAVA_LONG));
    private static final MemorySegment MEMORY = HostBlas.MEMORY;

    private final Path dir;
    private final MethodHandle launch;

    private EmulatedDevice(Path dir) throws Throwable {
        this.dir = dir;
        SymbolLookup lib = SymbolLookup.libraryLookup(dir.resolve("libjvicreg_emu.so"), Arena.global());
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

    private long hostWaits, launches;

    /**
     * Builds (once per source version, in java.io.tmpdir) the kernel emulator and the host cuBLAS and
     * cuDNN, and loads the emulator; null when g++ is absent.
     */
    public static EmulatedDevice load() throws Throwable {
        Path src = KernelSourcesTest.NATIVE, emu = src.resolve("emulator");
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(KernelSourcesTest.manifest(src).getBytes());
        for (String f : List.of("emulator.cpp", "host_cuda.h", "host_cublas.cpp", "host_cudnn.cpp", "host_cudnn_graph.cpp")) {
            md.update(Files.readAllBytes(emu.resolve(f)));
        }
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "jvicreg-emulator-" + HexFormat.of().formatHex(md.digest(), 0, 8));
        if (!Files.isDirectory(dir)) {
            Path tmp = Files.createTempDirectory(dir.getParent(), "jvicreg-emulator-build");
            try {
                gxx(tmp.resolve("libjvicreg_emu.so"), "-I", src.resolve("src").toString(), "-include",
                        emu.resolve("host_cuda.h").toString(), emu.resolve("emulator.cpp").toString());
                gxx(tmp.resolve("libcublas.so.99"), emu.resolve("host_cublas.cpp").toString());
                gxx(tmp.resolve("libcudnn.so.99"), emu.resolve("host_cudnn.cpp").toString(),
                        emu.resolve("host_cudnn_graph.cpp").toString());
            } catch (IOException e) {
                System.out.println("no kernel emulation: g++ did not start (" + e.getMessage() + ")");
                return null;
            }
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException raced) {
                if (!Files.isDirectory(dir)) throw raced; // another test JVM built it first
            }
        }
        return new EmulatedDevice(dir);
    }

    private static void gxx(Path out, String... sources) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("g++", "-std=c++20", "-O2", "-shared", "-fPIC", "-o", out.toString()));
        cmd.addAll(List.of(sources));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("g++ failed:\n" + log);
    }

    /**
     * A CudaBackend on this device whose cuBLAS and cuDNN are the host ones, bound through the real
     * FFM providers found by the real library search (forced to FFM).
     */
    public CudaBackend backend() {
        return backend(dnn -> dnn);
    }

    /** The same with its cuDNN provider wrapped (a test's stand-in that fails some calls). */
    CudaBackend backend(java.util.function.UnaryOperator<Dnn> wrap) {
        CudaOptions options = new CudaOptions(List.of(dir), false, CudaOptions.Provider.FFM, 0, false, true);
        LibraryLocator locator = new LibraryLocator(List.of(dir));
        return new CudaBackend(this, ProviderChoice.first("cuBLAS", CudaBackend.blasCandidates(options, locator)), ws -> {
            ProviderChoice.Choice<Dnn> c = ProviderChoice.first("cuDNN", CudaBackend.dnnCandidates(options, locator, ws, this::synchronize));
            return new ProviderChoice.Choice<>(wrap.apply(c.provider()), c.name(), c.rejected());
        }, options.tf32(), options.benchmark(), options.cudnnGraph());
    }

    /** How many times the host cuDNN has ranked algorithms by measuring them (its cudnnFind* functions). */
    int cudnnFindCalls() {
        return cudnnCounter("emu_cudnn_find_calls");
    }

    /** How many convolutions the host cuDNN has run through graph-API execution plans (cudnnBackendExecute). */
    int cudnnGraphExecutes() {
        return cudnnCounter("emu_cudnn_graph_executes");
    }

    /** The engine of the last graph-API plan the host cuDNN executed (-1 before the first). */
    int cudnnGraphLastEngine() {
        return cudnnCounter("emu_cudnn_graph_last_engine");
    }

    private SymbolLookup cudnn;

    private int cudnnCounter(String function) {
        try {
            if (cudnn == null) cudnn = SymbolLookup.libraryLookup(dir.resolve("libcudnn.so.99"), Arena.global());
            return (int) LINKER.downcallHandle(cudnn.find(function).orElseThrow(), FunctionDescriptor.of(JAVA_INT))
                    .invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public int multiprocessors() {
        return 2; // small grids, so the kernels' grid-stride loops run more than once
    }

    @Override
    public void bind() {}

    /**
     * Fresh device memory holds all-ones bytes (each float a NaN), so a kernel or op that reads memory
     * nobody wrote (an uninitialized output it does not overwrite in full) shows up in the comparisons.
     */
    @Override
    public long malloc(long bytes) {
        long rounded = (bytes + 255) / 256 * 256, address;
        try {
            address = (long) MALLOC.invokeExact(256L, rounded);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (address != 0) MEMORY.asSlice(address, rounded).fill((byte) 0xFF);
        return address;
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
        hostWaits++;
        MemorySegment.copy(MEMORY, JAVA_FLOAT, src, dst, off, n);
    }

    @Override
    public int readInt(long address) {
        hostWaits++;
        return MEMORY.get(JAVA_INT, address);
    }

    @Override
    public void launch(LaunchGeometry g, KernelArgs args) {
        launches++;
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
    public void synchronize() {
        hostWaits++;
    }

    /**
     * How many calls so far made the host wait for the device's queue to drain (downloads, word reads,
     * synchronisations): on a GPU each one stops the host from queueing work ahead of the device.
     */
    public long hostWaits() {
        return hostWaits;
    }

    /** How many kernels have been launched so far. */
    public long launches() {
        return launches;
    }

    @Override
    public String describe() {
        return "kernels emulated on the host (native-kernels/emulator)";
    }

    @Override
    public String toString() {
        return "emulator";
    }
}

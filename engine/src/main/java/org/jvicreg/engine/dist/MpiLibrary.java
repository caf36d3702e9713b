package org.jvicreg.engine.dist;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Open MPI's C API ({@code libmpi.so.40}) through the JDK's FFM API: the calls {@link MpiCollective} makes,
 * nothing more. Open MPI's handles are the addresses of exported globals ({@code ompi_mpi_comm_world},
 * {@code ompi_mpi_float}, {@code ompi_mpi_op_sum}), looked up like functions; an {@code MPI_Request} is a
 * pointer. The library is opened with RTLD_GLOBAL first, as MPI's own plugins expect its symbols to be
 * global. Calls must not overlap (MPI_THREAD_SERIALIZED: {@link MpiCollective} holds a lock).
 */
final class MpiLibrary {
    /** MPI_THREAD_SERIALIZED: any thread may call MPI, one at a time. */
    static final int THREAD_SERIALIZED = 2;
    /** MPI_IN_PLACE: {@code (void *) 1}. */
    static final MemorySegment IN_PLACE = MemorySegment.ofAddress(1);
    /** The library names tried, in order, in each directory. */
    private static final List<String> NAMES = List.of("libmpi.so.40", "libmpi.so");
    private static final List<String> DIRECTORIES = List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
            "/usr/lib64/openmpi/lib", "/usr/lib/openmpi/lib", "/usr/local/lib", "/opt/openmpi/lib", "/usr/lib64", "/usr/lib");
    private static final Linker LINKER = Linker.nativeLinker();

    final Path path;
    final MemorySegment commWorld, floatType, intType, opSum;
    private final MethodHandle initThread, initialized, finalizeMpi, commRank, commSize, iallreduce, test, libraryVersion,
            allreduce, allgatherv, bcast, barrier;

    private MpiLibrary(Path path, SymbolLookup lookup) {
        this.path = path;
        commWorld = symbol(lookup, "ompi_mpi_comm_world");
        floatType = symbol(lookup, "ompi_mpi_float");
        intType = symbol(lookup, "ompi_mpi_int");
        opSum = symbol(lookup, "ompi_mpi_op_sum");
        initThread = function(lookup, "MPI_Init_thread", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS);
        initialized = function(lookup, "MPI_Initialized", JAVA_INT, ADDRESS);
        finalizeMpi = function(lookup, "MPI_Finalize", JAVA_INT);
        commRank = function(lookup, "MPI_Comm_rank", JAVA_INT, ADDRESS, ADDRESS);
        commSize = function(lookup, "MPI_Comm_size", JAVA_INT, ADDRESS, ADDRESS);
        // (sendbuf, recvbuf, count, datatype, op, comm, request*)
        iallreduce = function(lookup, "MPI_Iallreduce", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
        test = function(lookup, "MPI_Test", JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        libraryVersion = function(lookup, "MPI_Get_library_version", JAVA_INT, ADDRESS, ADDRESS);
        // blocking calls, MPI's tuned algorithms, for the operations a caller waits for at once:
        // (sendbuf, recvbuf, count, datatype, op, comm); (sendbuf, sendcount, sendtype, recvbuf, recvcounts*, displs*,
        // recvtype, comm); (buf, count, datatype, root, comm); (comm)
        allreduce = function(lookup, "MPI_Allreduce", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        allgatherv = function(lookup, "MPI_Allgatherv", JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
                ADDRESS, ADDRESS);
        bcast = function(lookup, "MPI_Bcast", JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS);
        barrier = function(lookup, "MPI_Barrier", JAVA_INT, ADDRESS);
    }

    /**
     * Opens the first MPI library found: {@code JVICREG_MPI_LIB} (a file) if set, else {@code libmpi.so.40} in
     * the directories of {@code LD_LIBRARY_PATH}, {@code $OPAL_PREFIX/lib} and the usual system places.
     * Throws {@link UnsatisfiedLinkError} with one line saying where it looked.
     */
    static MpiLibrary open() {
        List<Path> tried = new ArrayList<>();
        for (Path candidate : candidates()) {
            if (!Files.isRegularFile(candidate)) {
                tried.add(candidate);
                continue;
            }
            globalOpen(candidate);
            try {
                return new MpiLibrary(candidate, SymbolLookup.libraryLookup(candidate, Arena.global()));
            } catch (IllegalArgumentException e) {
                throw new UnsatisfiedLinkError("MPI: " + candidate + " does not load as Open MPI's libmpi: " + e.getMessage());
            }
        }
        throw new UnsatisfiedLinkError("MPI: no libmpi.so.40 (Open MPI) found; looked in "
                + tried.stream().map(p -> p.getParent().toString()).distinct().toList()
                + " (install openmpi-bin, or set JVICREG_MPI_LIB to the library)");
    }

    private static List<Path> candidates() {
        List<Path> out = new ArrayList<>();
        String explicit = System.getenv("JVICREG_MPI_LIB");
        if (explicit != null && !explicit.isBlank()) return List.of(Path.of(explicit));
        List<String> dirs = new ArrayList<>();
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) for (String d : ld.split(":")) if (!d.isBlank()) dirs.add(d);
        String prefix = System.getenv("OPAL_PREFIX");
        if (prefix != null && !prefix.isBlank()) dirs.add(prefix + "/lib");
        dirs.addAll(DIRECTORIES);
        for (String d : dirs) for (String n : NAMES) out.add(Path.of(d, n));
        return out;
    }

    /** dlopen(path, RTLD_NOW | RTLD_GLOBAL): MPI's plugins resolve libmpi's symbols from the global scope. */
    private static void globalOpen(Path path) {
        var dlopen = LINKER.defaultLookup().find("dlopen");
        if (dlopen.isEmpty()) return;
        MethodHandle h = LINKER.downcallHandle(dlopen.get(), FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment handle = (MemorySegment) h.invokeExact(a.allocateFrom(path.toString()), 0x2 | 0x100);
            if (handle.address() == 0) throw new UnsatisfiedLinkError("MPI: dlopen(" + path + ") failed");
        } catch (UnsatisfiedLinkError e) {
            throw e;
        } catch (Throwable t) {
            throw new UnsatisfiedLinkError("MPI: dlopen(" + path + "): " + t);
        }
    }

    private static MemorySegment symbol(SymbolLookup lookup, String name) {
        return lookup.find(name).orElseThrow(() -> new UnsatisfiedLinkError("MPI: the library has no symbol " + name
                + " (jvicreg binds Open MPI's ABI; MPICH and others differ)"));
    }

    private static MethodHandle function(SymbolLookup lookup, String name, java.lang.foreign.MemoryLayout result,
                                         java.lang.foreign.MemoryLayout... args) {
        return LINKER.downcallHandle(symbol(lookup, name), FunctionDescriptor.of(result, args));
    }

    // ---- the calls; each throws MpiException on a non-zero return ------------------------------------

    boolean initialized() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment flag = a.allocate(JAVA_INT);
            check("MPI_Initialized", (int) initialized.invokeExact(flag));
            return flag.get(JAVA_INT, 0) != 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** MPI_Init_thread(NULL, NULL, required, &provided); returns provided. */
    int initThread(int required) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment provided = a.allocate(JAVA_INT);
            check("MPI_Init_thread", (int) initThread.invokeExact(MemorySegment.NULL, MemorySegment.NULL, required, provided));
            return provided.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void finalizeMpi() {
        try {
            check("MPI_Finalize", (int) finalizeMpi.invokeExact());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int rank() {
        return commQuery("MPI_Comm_rank", commRank);
    }

    int size() {
        return commQuery("MPI_Comm_size", commSize);
    }

    private int commQuery(String name, MethodHandle h) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check(name, (int) h.invokeExact(commWorld, out));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The library's version line, e.g. "Open MPI v4.1.4, package: Debian OpenMPI, ...": its first clause. */
    String version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment text = a.allocate(256), length = a.allocate(JAVA_INT);
            check("MPI_Get_library_version", (int) libraryVersion.invokeExact(text, length));
            String s = new String(text.asSlice(0, Math.min(256, Math.max(0, length.get(JAVA_INT, 0)))).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                    StandardCharsets.US_ASCII).trim();
            int comma = s.indexOf(',');
            return comma > 0 ? s.substring(0, comma) : s;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void iallreduceFloatSum(MemorySegment buffer, int count, MemorySegment request) {
        try {
            check("MPI_Iallreduce", (int) iallreduce.invokeExact(IN_PLACE, buffer, count, floatType, opSum, commWorld, request));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void allreduceFloatSum(MemorySegment buffer, int count) {
        try {
            check("MPI_Allreduce", (int) allreduce.invokeExact(IN_PLACE, buffer, count, floatType, opSum, commWorld));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void allgatherv(MemorySegment send, int sendCount, MemorySegment type, MemorySegment recv, MemorySegment counts,
                    MemorySegment displacements) {
        try {
            check("MPI_Allgatherv", (int) allgatherv.invokeExact(send, sendCount, type, recv, counts, displacements, type, commWorld));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void bcastFloats(MemorySegment buffer, int count, int root) {
        try {
            check("MPI_Bcast", (int) bcast.invokeExact(buffer, count, floatType, root, commWorld));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void barrier() {
        try {
            check("MPI_Barrier", (int) barrier.invokeExact(commWorld));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** MPI_Test(request, &flag, MPI_STATUS_IGNORE): whether the request has completed. */
    boolean test(MemorySegment request, MemorySegment flag) {
        try {
            check("MPI_Test", (int) test.invokeExact(request, flag, MemorySegment.NULL));
            return flag.get(JAVA_INT, 0) != 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A request handle's cell: MPI_Request is a pointer. */
    static MemorySegment requestCell(Arena arena) {
        return arena.allocate(JAVA_LONG);
    }

    private static void check(String call, int code) {
        if (code != 0) throw new IllegalStateException("MPI: " + call + " failed with error code " + code);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException("MPI: " + t, t);
    }
}

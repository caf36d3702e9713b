package org.jvicreg.engine.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A shared library opened through the JDK's FFM API, and downcall handles into it. Opening first
 * loads the library's companions from the same directory (cuBLAS needs cuBLASLt; cuDNN 9 is split
 * into libcudnn_graph, _ops, _cnn, _engines_*, ...), retrying in passes until no more load, so that
 * their sonames are already resident when the main library (or its own dlopen calls) asks for them.
 * Libraries stay loaded for the life of the process.
 */
final class NativeLibrary {
    private static final Linker LINKER = Linker.nativeLinker();

    final Path path;
    private final SymbolLookup lookup;
    private final List<String> companions;

    private NativeLibrary(Path path, SymbolLookup lookup, List<String> companions) {
        this.path = path;
        this.lookup = lookup;
        this.companions = companions;
    }

    /**
     * Opens {@code path} after its companions {@code lib<stem>.so.<major>} (same directory, same major
     * version); a companion that is absent or does not load is skipped.
     */
    static NativeLibrary open(Path path, int major, List<String> companionStems) {
        List<Path> pending = new ArrayList<>();
        for (String stem : companionStems) {
            Path p = path.resolveSibling("lib" + stem + ".so." + major);
            if (Files.exists(p)) pending.add(p);
        }
        List<String> loaded = new ArrayList<>();
        boolean progress = true;
        while (progress && !pending.isEmpty()) {
            progress = false;
            for (var it = pending.iterator(); it.hasNext(); ) {
                Path p = it.next();
                try {
                    SymbolLookup.libraryLookup(p, Arena.global());
                    loaded.add(p.getFileName().toString());
                    it.remove();
                    progress = true;
                } catch (IllegalArgumentException e) {
                    // a dependency may not be resident yet: try again in the next pass
                }
            }
        }
        SymbolLookup lookup;
        try {
            lookup = SymbolLookup.libraryLookup(path, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("cannot load " + path + (loaded.isEmpty() ? "" : " (after " + loaded + ")")
                    + ": " + e.getMessage());
        }
        return new NativeLibrary(path, lookup, List.copyOf(loaded));
    }

    /** A downcall handle for a function the library must export. */
    MethodHandle function(String name, FunctionDescriptor descriptor) {
        var symbol = lookup.find(name).orElseThrow(() -> new IllegalStateException(path.getFileName() + " has no " + name));
        return LINKER.downcallHandle(symbol, descriptor);
    }

    /** A downcall handle, or null when the library does not export the function. */
    MethodHandle optionalFunction(String name, FunctionDescriptor descriptor) {
        return lookup.find(name).map(s -> LINKER.downcallHandle(s, descriptor)).orElse(null);
    }

    List<String> companions() {
        return companions;
    }
}

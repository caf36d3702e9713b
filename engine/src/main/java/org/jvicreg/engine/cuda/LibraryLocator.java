package org.jvicreg.engine.cuda;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds versioned shared libraries ({@code libcublas.so.13}, {@code libcudnn.so.9}, ...) for the FFM
 * binding. Directories are searched in this order, and within a directory the highest major version
 * comes first:
 * <ol>
 *   <li>the directories the user names ({@link CudaOptions#libraryDirs()}: {@code -Djvicreg.cuda.libs},
 *       {@code JVICREG_CUDA_LIBS});</li>
 *   <li>{@code LD_LIBRARY_PATH}, then {@code java.library.path};</li>
 *   <li>{@code CUDA_HOME} / {@code CUDA_PATH}, then the usual toolkit and system directories;</li>
 *   <li>the {@code nvidia/*}{@code /lib} directories of Python site-packages (where PyTorch's pip wheels put
 *       cuBLAS and cuDNN): under {@code VIRTUAL_ENV}, {@code CONDA_PREFIX}, {@code PYTHONPATH}, and the
 *       prefixes /usr/local, /usr, ~/.local, /opt/* (and their .venv / venv).</li>
 * </ol>
 */
final class LibraryLocator {
    /** A library file, its major version (the number after ".so."), and which search directory held it. */
    record Found(Path path, int major) {}

    private static final List<String> SYSTEM_DIRS = List.of(
            "/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/local/cuda/lib",
            "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib", "/usr/local/nvidia/lib64");

    private final List<Path> dirs;

    LibraryLocator(List<Path> dirs) {
        this.dirs = List.copyOf(dirs);
    }

    /** The search order for this process: options, environment, system properties, the file system. */
    static LibraryLocator forSystem(CudaOptions options) {
        return new LibraryLocator(searchDirs(options.libraryDirs(), System.getenv(),
                System.getProperty("java.library.path", ""), Path.of(System.getProperty("user.home", "/root")),
                Path.of("/"), SYSTEM_DIRS));
    }

    /**
     * The ordered, de-duplicated list of existing directories to search. {@code root} is where absolute
     * system locations (/opt, /usr) are looked up: "/" in production, a temporary directory in tests.
     */
    static List<Path> searchDirs(List<Path> userDirs, Map<String, String> env, String javaLibraryPath, Path home,
                                 Path root, List<String> systemDirs) {
        Set<Path> out = new LinkedHashSet<>();
        out.addAll(userDirs);
        addPathList(out, env.get("LD_LIBRARY_PATH"));
        addPathList(out, javaLibraryPath);
        for (String v : List.of("CUDA_HOME", "CUDA_PATH")) {
            String cuda = env.get(v);
            if (cuda != null && !cuda.isBlank()) {
                out.add(Path.of(cuda, "lib64"));
                out.add(Path.of(cuda, "lib"));
            }
        }
        for (String d : systemDirs) out.add(under(root, d));
        for (Path site : sitePackages(env, home, root)) out.addAll(children(site.resolve("nvidia"), "lib"));
        List<Path> existing = new ArrayList<>();
        for (Path p : out) {
            if (Files.isDirectory(p)) existing.add(p.toAbsolutePath().normalize());
        }
        return List.copyOf(new LinkedHashSet<>(existing));
    }

    List<Path> dirs() {
        return dirs;
    }

    /**
     * Every {@code lib<stem>.so.<major>[.<minor>...]} in the search directories: directory order first,
     * then highest major; for one major the plain soname file ({@code .so.13}) before longer names.
     */
    List<Found> find(String stem) {
        Pattern name = Pattern.compile("lib" + Pattern.quote(stem) + "\\.so\\.(\\d+)((?:\\.\\d+)*)");
        List<Found> out = new ArrayList<>();
        for (Path dir : dirs) {
            List<Path> files = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "lib" + stem + ".so.*")) {
                for (Path p : ds) files.add(p);
            } catch (IOException | SecurityException e) {
                continue;
            }
            List<Found> here = new ArrayList<>();
            for (Path p : files) {
                Matcher m = name.matcher(p.getFileName().toString());
                if (m.matches()) here.add(new Found(p, Integer.parseInt(m.group(1))));
            }
            here.sort(Comparator.comparingInt(Found::major).reversed()
                    .thenComparingInt(f -> f.path().getFileName().toString().length())
                    .thenComparing(f -> f.path().getFileName().toString()));
            out.addAll(here);
        }
        return out;
    }

    private static List<Path> sitePackages(Map<String, String> env, Path home, Path root) {
        List<Path> prefixes = new ArrayList<>();
        for (String v : List.of("VIRTUAL_ENV", "CONDA_PREFIX")) {
            String p = env.get(v);
            if (p != null && !p.isBlank()) prefixes.add(Path.of(p));
        }
        prefixes.add(under(root, "/usr/local"));
        prefixes.add(under(root, "/usr"));
        prefixes.add(home.resolve(".local"));
        for (Path opt : children(under(root, "/opt"), null)) {
            prefixes.add(opt);
            prefixes.add(opt.resolve(".venv"));
            prefixes.add(opt.resolve("venv"));
        }
        List<Path> sites = new ArrayList<>();
        Set<Path> fromPythonPath = new LinkedHashSet<>();
        addPathList(fromPythonPath, env.get("PYTHONPATH"));
        sites.addAll(fromPythonPath);
        for (Path prefix : prefixes) {
            for (Path py : children(prefix.resolve("lib"), null)) {
                String n = py.getFileName().toString();
                if (!n.startsWith("python3")) continue;
                sites.add(py.resolve("site-packages"));
                sites.add(py.resolve("dist-packages"));
            }
        }
        return sites;
    }

    /** The sub-directories of dir (sorted), or their {@code sub} child when sub is non-null. */
    private static List<Path> children(Path dir, String sub) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (!Files.isDirectory(p)) continue;
                out.add(sub == null ? p : p.resolve(sub));
            }
        } catch (IOException | SecurityException e) {
            return out;
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    private static Path under(Path root, String absolute) {
        return root.resolve(absolute.substring(1));
    }

    private static void addPathList(Set<Path> out, String list) {
        if (list == null) return;
        for (String part : list.split(File.pathSeparator)) {
            if (!part.isBlank()) out.add(Path.of(part.trim()));
        }
    }
}

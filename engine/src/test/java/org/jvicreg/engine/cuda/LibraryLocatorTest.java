package org.jvicreg.engine.cuda;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LibraryLocatorTest {
    @TempDir
    Path root;

    private Path file(String relative) throws IOException {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        return Files.createFile(p);
    }

    private List<Path> dirs(List<Path> user, Map<String, String> env) {
        return LibraryLocator.searchDirs(user, env, "", root.resolve("home"), root,
                List.of("/usr/local/cuda/lib64", "/usr/lib/x86_64-linux-gnu"));
    }

    @Test
    void findsPyTorchsWheelsInsideAVirtualEnvironmentUnderOpt() throws IOException {
        // the H100 image: python3 at /opt/torch/.venv, cuBLAS 13 in nvidia/cu13/lib, cuDNN 9 in nvidia/cudnn/lib
        Path cublas = file("opt/torch/.venv/lib/python3.12/site-packages/nvidia/cu13/lib/libcublas.so.13");
        file("opt/torch/.venv/lib/python3.12/site-packages/nvidia/cu13/lib/libcublasLt.so.13");
        Path cudnn = file("opt/torch/.venv/lib/python3.12/site-packages/nvidia/cudnn/lib/libcudnn.so.9");
        file("opt/torch/.venv/lib/python3.12/site-packages/nvidia/cudnn/lib/libcudnn_cnn.so.9");
        LibraryLocator loc = new LibraryLocator(dirs(List.of(), Map.of()));
        assertEquals(List.of(cublas), loc.find("cublas").stream().map(LibraryLocator.Found::path).toList());
        assertEquals(List.of(new LibraryLocator.Found(cudnn, 9)), loc.find("cudnn"));
        assertEquals(List.of(), loc.find("cufft"));
    }

    @Test
    void userDirectoriesComeFirstThenTheEnvironmentThenTheSystem() throws IOException {
        Path user = file("mine/libcublas.so.12").getParent();
        Path ld = file("ld/libcublas.so.13").getParent();
        Path cudaHome = file("cuda-13/lib64/libcublas.so.13").getParent();
        Path system = file("usr/local/cuda/lib64/libcublas.so.13").getParent();
        Path site = file("venv/lib/python3.11/site-packages/nvidia/cublas/lib/libcublas.so.12").getParent();
        Map<String, String> env = Map.of("LD_LIBRARY_PATH", ld + File.pathSeparator + root.resolve("missing"),
                "CUDA_HOME", root.resolve("cuda-13").toString(), "VIRTUAL_ENV", root.resolve("venv").toString());
        List<Path> d = dirs(List.of(user), env);
        assertEquals(List.of(user, ld, cudaHome, system, site), d);
        List<LibraryLocator.Found> found = new LibraryLocator(d).find("cublas");
        assertEquals(12, found.get(0).major(), "a directory the user names wins over newer versions elsewhere");
        assertEquals(5, found.size());
    }

    @Test
    void withinADirectoryTheNewestMajorAndTheSonameComeFirst() throws IOException {
        file("lib/libcudnn.so.8.9.7");
        file("lib/libcudnn.so.8");
        file("lib/libcudnn.so.9.1.0");
        file("lib/libcudnn.so.9");
        file("lib/libcudnn.so");
        file("lib/libcudnn_ops.so.9");
        List<String> names = new LibraryLocator(List.of(root.resolve("lib"))).find("cudnn").stream()
                .map(f -> f.path().getFileName().toString()).toList();
        assertEquals(List.of("libcudnn.so.9", "libcudnn.so.9.1.0", "libcudnn.so.8", "libcudnn.so.8.9.7"), names);
    }

    @Test
    void pythonPathAndCondaAndUserSitePackagesAreSearched() throws IOException {
        Path a = file("pp/nvidia/cudnn/lib/libcudnn.so.9").getParent();
        Path b = file("conda/lib/python3.10/site-packages/nvidia/cudnn/lib/libcudnn.so.9").getParent();
        Path c = file("home/.local/lib/python3.12/site-packages/nvidia/cudnn/lib/libcudnn.so.9").getParent();
        Path d = file("usr/lib/python3.12/dist-packages/nvidia/cudnn/lib/libcudnn.so.9").getParent();
        List<Path> found = dirs(List.of(), Map.of("PYTHONPATH", root.resolve("pp").toString(),
                "CONDA_PREFIX", root.resolve("conda").toString()));
        assertTrue(found.containsAll(List.of(a, b, c, d)), found.toString());
        assertEquals(a, found.get(0), "PYTHONPATH entries come before the prefixes");
    }

    @Test
    void missingDirectoriesAreDroppedAndDuplicatesCollapse() throws IOException {
        Path lib = file("x/libcublas.so.13").getParent();
        List<Path> d = dirs(List.of(lib, root.resolve("nope"), lib), Map.of("LD_LIBRARY_PATH", lib.toString()));
        assertEquals(List.of(lib), d);
    }
}

package org.jvicreg.engine.cuda;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CudaOptionsTest {

    @Test
    void defaultsAreFullFloat32AutoProviderDeviceZeroHeuristicAlgorithms() {
        CudaOptions o = CudaOptions.from(new Properties(), Map.of());
        assertEquals(List.of(), o.libraryDirs());
        assertFalse(o.tf32());
        assertFalse(o.benchmark());
        assertTrue(o.cudnnGraph());
        assertEquals(CudaOptions.Provider.AUTO, o.provider());
        assertEquals(0, o.device());
    }

    @Test
    void theCudnnGraphApiCanBeTurnedOff() {
        assertFalse(CudaOptions.from(new Properties(), Map.of(CudaOptions.CUDNN_GRAPH_ENV, "0")).cudnnGraph());
        Properties p = new Properties();
        p.setProperty(CudaOptions.CUDNN_GRAPH_PROPERTY, "false");
        assertFalse(CudaOptions.from(p, Map.of(CudaOptions.CUDNN_GRAPH_ENV, "true")).cudnnGraph());
        var e = assertThrows(IllegalArgumentException.class,
                () -> CudaOptions.from(new Properties(), Map.of(CudaOptions.CUDNN_GRAPH_ENV, "sometimes")));
        assertTrue(e.getMessage().contains(CudaOptions.CUDNN_GRAPH_PROPERTY), e.getMessage());
    }

    @Test
    void propertiesWinOverTheEnvironmentAndLibraryDirsCombine() {
        Properties p = new Properties();
        p.setProperty(CudaOptions.LIBS_PROPERTY, "/a" + File.pathSeparator + "/b");
        p.setProperty(CudaOptions.TF32_PROPERTY, "true");
        p.setProperty(CudaOptions.PROVIDER_PROPERTY, "FFM");
        CudaOptions o = CudaOptions.from(p, Map.of(CudaOptions.LIBS_ENV, "/c", CudaOptions.TF32_ENV, "0",
                CudaOptions.PROVIDER_ENV, "jcuda", CudaOptions.DEVICE_ENV, "1", CudaOptions.BENCHMARK_ENV, "yes"));
        assertEquals(List.of(Path.of("/a"), Path.of("/b"), Path.of("/c")), o.libraryDirs());
        assertTrue(o.tf32());
        assertEquals(CudaOptions.Provider.FFM, o.provider());
        assertFalse(o.provider().allowsJCuda());
        assertEquals(1, o.device());
        assertTrue(o.benchmark());
    }

    @Test
    void badValuesNameTheSetting() {
        Properties p = new Properties();
        p.setProperty(CudaOptions.TF32_PROPERTY, "maybe");
        var e = assertThrows(IllegalArgumentException.class, () -> CudaOptions.from(p, Map.of()));
        assertTrue(e.getMessage().contains(CudaOptions.TF32_PROPERTY), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class,
                () -> CudaOptions.from(new Properties(), Map.of(CudaOptions.PROVIDER_ENV, "opencl")));
        assertTrue(e2.getMessage().contains("auto, jcuda or ffm"), e2.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CudaOptions.from(new Properties(), Map.of(CudaOptions.DEVICE_ENV, "-1")));
        var e3 = assertThrows(IllegalArgumentException.class,
                () -> CudaOptions.from(new Properties(), Map.of(CudaOptions.BENCHMARK_ENV, "fast")));
        assertTrue(e3.getMessage().contains(CudaOptions.BENCHMARK_PROPERTY), e3.getMessage());
    }
}

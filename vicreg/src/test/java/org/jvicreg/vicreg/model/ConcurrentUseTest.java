package org.jvicreg.vicreg.model;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The engine may be used from several application threads at once (a JVM service running models side
 * by side): the kernels' scratch arrays are per thread, the recording flag and gradient recycling are per
 * thread, the CPU's reused arrays sit in concurrent queues, and all threads share one worker pool whose
 * work split depends only on its size. So each thread's results are bitwise those it gets running alone.
 * Four threads train-step four models at once, each on a path of its own: batch-last and NCHW basic
 * blocks, the ImageNet stem with max pooling, bottlenecks.
 */
class ConcurrentUseTest {
    private static final int THREADS = 4, ROUNDS = 3;

    private record Job(ResNet model, Tensor images) {}

    /** Features, the images' gradient and every parameter's gradient of one forward + backward. */
    private static Map<String, float[]> step(Job job) {
        job.model.zeroGrad();
        Tensor x = job.images.detach().requiresGrad(true);
        Tensor f = job.model.forward(x);
        f.square().mean().backward();
        Map<String, float[]> out = new LinkedHashMap<>();
        out.put("features", f.detach().toArray());
        out.put("images' gradient", x.grad().toArray());
        job.model.namedParameters().forEach((name, p) -> out.put(name + " gradient", p.grad().toArray()));
        return out;
    }

    private static Job job(String arch, boolean smallStem, ResNet.Layout layout, int batch, int size, long seed) {
        ResNet model = new ResNet(new ResNet.Config(arch, 3, 8, smallStem, false), new Rng(seed)).layout(layout);
        model.train(true);
        return new Job(model, Tensor.randn(new Rng(seed + 100), batch, 3, size, size));
    }

    @Test
    void modelsRunningOnSeveralThreadsGetTheResultsTheyGetAlone() throws Exception {
        List<Job> jobs = List.of(
                job("resnet18", true, ResNet.Layout.BATCH_LAST, 32, 12, 1),
                job("resnet18", true, ResNet.Layout.NCHW, 32, 12, 2),
                job("resnet18", false, ResNet.Layout.NCHW, 4, 40, 3),
                job("resnet50", true, ResNet.Layout.NCHW, 4, 16, 4));
        List<Map<String, float[]>> alone = new ArrayList<>();
        for (Job j : jobs) alone.add(step(j));

        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<List<Map<String, float[]>>>> together = new ArrayList<>();
            for (Job j : jobs) {
                together.add(pool.submit(() -> {
                    List<Map<String, float[]>> rounds = new ArrayList<>();
                    for (int r = 0; r < ROUNDS; r++) rounds.add(step(j));
                    return rounds;
                }));
            }
            for (int t = 0; t < THREADS; t++) {
                List<Map<String, float[]>> rounds = together.get(t).get();
                for (int r = 0; r < ROUNDS; r++) {
                    Map<String, float[]> got = rounds.get(r);
                    assertEquals(alone.get(t).keySet(), got.keySet());
                    for (String what : got.keySet()) {
                        assertArrayEquals(alone.get(t).get(what), got.get(what), "model " + t + ", round " + r + ": " + what);
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}

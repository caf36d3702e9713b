package org.jvicreg.vicreg.data;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Rng;
import org.jvicreg.vicreg.augment.AugmentConfig;
import org.jvicreg.vicreg.augment.Normalization;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reproducibility whatever the worker count, epoch order, drop-last, resume, errors and shutdown. */
class TwoViewLoaderTest {
    private static final int N = 103, SIDE = 16;

    private static ByteImageDataset randomImages(int n) {
        Rng rng = new Rng(5);
        byte[] pixels = new byte[n * SIDE * SIDE];
        for (int i = 0; i < pixels.length; i++) pixels[i] = (byte) rng.nextInt(256);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = i % 10;
        return new ByteImageDataset(pixels, labels, 1, SIDE, SIDE, 10, "random");
    }

    private static AugmentConfig config() {
        // the Fashion-MNIST recipe at 12x12, with blur switched on so every op runs
        return AugmentConfig.fashionMnist().withOutputSize(12, 12)
                .mapViews(v -> v.toBuilder().blur(0.5, 0.1, 2.0).build());
    }

    private static List<ViewBatch> epoch(TwoViewLoader loader, int epoch) {
        List<ViewBatch> out = new ArrayList<>();
        try (TwoViewLoader.Epoch it = loader.epoch(epoch)) {
            while (it.hasNext()) out.add(it.next());
        }
        return out;
    }

    private static void assertSameBatches(List<ViewBatch> a, List<ViewBatch> b) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(i, b.get(i).step());
            assertArrayEquals(a.get(i).indices(), b.get(i).indices(), "indices of batch " + i);
            assertArrayEquals(a.get(i).labels(), b.get(i).labels(), "labels of batch " + i);
            assertArrayEquals(a.get(i).view1(), b.get(i).view1(), "view 1 of batch " + i);
            assertArrayEquals(a.get(i).view2(), b.get(i).view2(), "view 2 of batch " + i);
        }
    }

    @Test
    void sameSeedGivesTheSameBatchesWithOneOrThreeWorkersOrInline() {
        ByteImageDataset data = randomImages(N);
        LoaderOptions opts = LoaderOptions.training(16, 1, 99);
        List<ViewBatch> one, three, inline;
        try (TwoViewLoader l = new TwoViewLoader(data, config(), opts)) {
            one = epoch(l, 2);
        }
        try (TwoViewLoader l = new TwoViewLoader(data, config(), opts.withWorkers(3).withPrefetch(5))) {
            three = epoch(l, 2);
        }
        try (TwoViewLoader l = new TwoViewLoader(data, config(), opts.withWorkers(0))) {
            inline = epoch(l, 2);
        }
        assertSameBatches(one, three);
        assertSameBatches(one, inline);
        ViewBatch b = one.get(0);
        assertArrayEquals(new int[] {16, 1, 12, 12}, b.shape());
        assertEquals(16 * 144, b.view1().length);
        assertFalse(Arrays.equals(b.view1(), b.view2()));
    }

    @Test
    void epochsShuffleDifferentlyAndCoverEveryImageOnce() {
        ByteImageDataset data = randomImages(N);
        try (TwoViewLoader l = new TwoViewLoader(data, config(), LoaderOptions.training(10, 2, 1).withDropLast(false))) {
            assertEquals(11, l.batchesPerEpoch());
            List<ViewBatch> e0 = epoch(l, 0), e1 = epoch(l, 1);
            assertEquals(11, e0.size());
            assertEquals(3, e0.get(10).size(), "the last batch keeps the remainder");
            boolean[] seen = new boolean[N];
            for (ViewBatch b : e0) {
                for (int i = 0; i < b.size(); i++) {
                    assertFalse(seen[b.indices()[i]], "index seen twice");
                    seen[b.indices()[i]] = true;
                    assertEquals(data.label(b.indices()[i]), b.labels()[i]);
                }
            }
            assertNotEquals(Arrays.toString(e0.get(0).indices()), Arrays.toString(e1.get(0).indices()));
            assertArrayEquals(l.order(1), java.util.stream.IntStream.range(0, N).map(k -> e1.get(k / 10).indices()[k % 10]).toArray());
        }
        try (TwoViewLoader l = new TwoViewLoader(data, config(), LoaderOptions.training(10, 2, 1))) {
            assertEquals(10, l.batchesPerEpoch());
            assertEquals(10, epoch(l, 0).size(), "drop-last drops the 3 left over");
        }
        LoaderOptions ordered = new LoaderOptions(10, 1, 2, false, false, 1);
        try (TwoViewLoader l = new TwoViewLoader(data, config(), ordered)) {
            assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, epoch(l, 3).get(0).indices());
        }
    }

    @Test
    void resumingMidEpochGivesTheRemainingBatches() {
        ByteImageDataset data = randomImages(N);
        try (TwoViewLoader l = new TwoViewLoader(data, config(), LoaderOptions.training(8, 2, 17))) {
            List<ViewBatch> all = epoch(l, 4);
            List<ViewBatch> tail = new ArrayList<>();
            try (TwoViewLoader.Epoch it = l.epoch(4, 5)) {
                assertEquals(5, it.nextStep());
                while (it.hasNext()) tail.add(it.next());
            }
            assertEquals(all.size() - 5, tail.size());
            for (int i = 0; i < tail.size(); i++) {
                assertArrayEquals(all.get(i + 5).view1(), tail.get(i).view1());
                assertEquals(i + 5, tail.get(i).step());
            }
            assertArrayEquals(all.get(3).view2(), l.batch(4, 3).view2());
        }
    }

    @Test
    void aWorkerExceptionSurfacesInTheConsumer() {
        ByteImageDataset good = randomImages(N);
        ImageDataset failing = new ImageDataset() {
            @Override public int size() { return good.size(); }
            @Override public int channels() { return 1; }
            @Override public int height() { return SIDE; }
            @Override public int width() { return SIDE; }
            @Override public int numClasses() { return 10; }
            @Override public int label(int index) { return good.label(index); }
            @Override public String description() { return "failing"; }

            @Override
            public void image(int index, float[] dst, int offset) {
                if (index == 57) throw new IllegalStateException("image 57 is broken");
                good.image(index, dst, offset);
            }
        };
        for (int workers : new int[] {0, 2}) {
            try (TwoViewLoader l = new TwoViewLoader(failing, config(), LoaderOptions.training(8, workers, 3))) {
                DataLoaderException e = assertThrows(DataLoaderException.class, () -> epoch(l, 0));
                assertInstanceOf(IllegalStateException.class, e.getCause());
                assertTrue(e.getMessage().contains("image 57 is broken"), e.getMessage());
                assertTrue(e.getMessage().startsWith("epoch 0 batch "), e.getMessage());
            }
        }
    }

    @Test
    void closeStopsTheWorkerThreads() throws InterruptedException {
        TwoViewLoader l = new TwoViewLoader(randomImages(N), config(), LoaderOptions.training(4, 3, 8));
        TwoViewLoader.Epoch it = l.epoch(0);
        it.next();
        assertTrue(workerThreads(l.threadNamePrefix()) > 0, "workers run while the epoch is read");
        l.close();
        assertEquals(0, workerThreads(l.threadNamePrefix()), "no worker thread left after close");
        assertThrows(IllegalStateException.class, it::next);
        assertThrows(IllegalStateException.class, () -> l.epoch(1));
    }

    private static long workerThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(prefix) && t.isAlive()).count();
    }

    @Test
    void channelMismatchIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TwoViewLoader(randomImages(4), AugmentConfig.official(12), LoaderOptions.training(2, 1, 0)));
        assertTrue(e.getMessage().contains("normalization has 3 channels"), e.getMessage());
    }

    @Test
    void evalBatchesAreNormalisedImagesInOrder() {
        ByteImageDataset data = randomImages(25);
        Normalization norm = Normalization.of(new float[] {0.25f}, new float[] {0.5f});
        EvalBatches batches = new EvalBatches(data, norm, 10);
        assertEquals(3, batches.batchCount());
        int seen = 0;
        for (ImageBatch b : batches) {
            for (int j = 0; j < b.size(); j++, seen++) {
                assertEquals(data.label(seen), b.labels()[j]);
                float[] img = data.image(seen);
                for (int p = 0; p < img.length; p++) assertEquals((img[p] - 0.25f) / 0.5f, b.images()[j * img.length + p], 1e-6f);
            }
        }
        assertEquals(25, seen);
        assertArrayEquals(new int[] {5, 1, SIDE, SIDE}, batches.batch(2).shape());
    }
}

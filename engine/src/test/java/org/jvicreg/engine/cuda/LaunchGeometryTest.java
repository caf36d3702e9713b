package org.jvicreg.engine.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LaunchGeometryTest {
    private static final int SMS = 132;

    @Test
    void elementwiseCoversSmallSizesExactlyAndCapsLargeOnes() {
        assertEquals(1, LaunchGeometry.elementwise(0, SMS).gridX());
        assertEquals(1, LaunchGeometry.elementwise(256, SMS).gridX());
        assertEquals(2, LaunchGeometry.elementwise(257, SMS).gridX());
        LaunchGeometry big = LaunchGeometry.elementwise(Integer.MAX_VALUE, SMS);
        assertEquals(SMS * LaunchGeometry.BLOCKS_PER_SM, big.gridX());
        assertEquals(256, big.threadsPerBlock());
        assertThrows(IllegalArgumentException.class, () -> LaunchGeometry.elementwise(1L << 31, SMS));
    }

    @Test
    void lineBlocksArePowersOfTwoFromAWarpToTheCap() {
        assertEquals(32, LaunchGeometry.lines(10, 1, SMS).blockX());
        assertEquals(32, LaunchGeometry.lines(10, 10, SMS).blockX());
        assertEquals(64, LaunchGeometry.lines(10, 33, SMS).blockX());
        assertEquals(256, LaunchGeometry.lines(10, 100_000, SMS).blockX());
        assertEquals(10, LaunchGeometry.lines(10, 5, SMS).gridX());
        assertTrue(LaunchGeometry.lines(1L << 30, 5, SMS).gridX() < 1 << 20);
    }

    @Test
    void columnBlocksSplitRowsOnlyWhenThereAreRows() {
        LaunchGeometry g = LaunchGeometry.columns(3, 1000, 100, SMS);
        assertEquals(32, g.blockX());
        assertEquals(8, g.blockY());
        assertEquals(3 * 4, g.gridX());
        assertEquals(2, LaunchGeometry.columns(1, 2, 100, SMS).blockY());
        assertEquals(1, LaunchGeometry.columns(1, 1, 100, SMS).blockY());
    }

    @Test
    void columnTilesCoverEveryColumn() {
        LaunchGeometry g = LaunchGeometry.columns(2048, 8192);
        assertEquals(256, g.gridX());
        assertEquals(32 * 16, g.threadsPerBlock());
        assertEquals(1, LaunchGeometry.columns(2, 1).gridX());
        assertEquals(2, LaunchGeometry.columns(2, 1).blockY());
        assertEquals(2, LaunchGeometry.columns(4, 33).gridX());
    }

    @Test
    void batchNormSplitsFillTheGpuButKeepBlocksBusy() {
        // ResNet's first BN: 64 channels of 256*112*112 values: 4*132/64 = 9 splits
        assertEquals(9, LaunchGeometry.batchNormSplits(64, 256L * 112 * 112, SMS));
        // an expander BN1d: 8192 channels, enough blocks already
        assertEquals(1, LaunchGeometry.batchNormSplits(8192, 2048, SMS));
        // few values: no split smaller than 4 values per thread
        assertEquals(1, LaunchGeometry.batchNormSplits(1, 100, SMS));
        assertEquals(2, LaunchGeometry.batchNormSplits(1, 2048, SMS));
        assertThrows(IllegalArgumentException.class, () -> LaunchGeometry.batchNormPartials(1, 70_000));
    }

    @Test
    void rejectsImpossibleGeometries() {
        assertThrows(IllegalArgumentException.class, () -> new LaunchGeometry(0, 1, 32, 1));
        assertThrows(IllegalArgumentException.class, () -> new LaunchGeometry(1, 1, 64, 32));
        assertEquals(1, LaunchGeometry.nextPowerOfTwo(0));
        assertEquals(64, LaunchGeometry.nextPowerOfTwo(33));
        assertEquals(64, LaunchGeometry.nextPowerOfTwo(64));
    }
}

package org.jvicreg.engine.cuda;

/**
 * A kernel launch's grid and block, and the rules that size them for each kernel family. Kernels
 * loop grid-stride, so grids are capped at a few waves of the device's multiprocessors.
 */
record LaunchGeometry(int gridX, int gridY, int blockX, int blockY) {
    static final int ELEMENTWISE_THREADS = 256;
    static final int BLOCKS_PER_SM = 16;
    static final int MAX_LINE_THREADS = 256;
    /** Must equal THREADS in batchnorm.cu. */
    static final int BATCH_NORM_THREADS = 256;
    static final int COLUMN_TILE = 32;

    LaunchGeometry {
        if (gridX < 1 || gridY < 1 || blockX < 1 || blockY < 1 || blockX * blockY > 1024) {
            throw new IllegalArgumentException("bad launch geometry grid " + gridX + "x" + gridY + " block " + blockX + "x" + blockY);
        }
    }

    int threadsPerBlock() {
        return blockX * blockY;
    }

    /**
     * One thread per element, grid-stride beyond {@code sms * BLOCKS_PER_SM} blocks. The kernels index
     * elements with 32-bit arithmetic, so n must be below 2^31 (as every Tensor's numel is).
     */
    static LaunchGeometry elementwise(long n, int sms) {
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("cuda: " + n + " elements exceed the kernels' 32-bit indexing");
        long blocks = Math.max(1, (n + ELEMENTWISE_THREADS - 1) / ELEMENTWISE_THREADS);
        return new LaunchGeometry((int) Math.min(blocks, (long) sms * BLOCKS_PER_SM), 1, ELEMENTWISE_THREADS, 1);
    }

    /**
     * One block per line of {@code length} values (rows of a reduction, softmax lines): a power of two
     * of threads, at least a warp, at most {@link #MAX_LINE_THREADS}.
     */
    static LaunchGeometry lines(long lines, int length, int sms) {
        int threads = Math.min(MAX_LINE_THREADS, Math.max(32, nextPowerOfTwo(length)));
        return new LaunchGeometry((int) Math.max(1, Math.min(lines, (long) sms * BLOCKS_PER_SM * 4)), 1, threads, 1);
    }

    /**
     * Column reductions over (outer, n, inner) with inner > 1: blocks of 32 columns by up to 8 rows of
     * threads splitting n.
     */
    static LaunchGeometry columns(int outer, int n, int inner, int sms) {
        int rows = Math.min(8, nextPowerOfTwo(Math.max(1, n)));
        long tiles = (long) outer * ((inner + COLUMN_TILE - 1) / COLUMN_TILE);
        return new LaunchGeometry((int) Math.max(1, Math.min(tiles, (long) sms * BLOCKS_PER_SM)), 1, COLUMN_TILE, rows);
    }

    /** The per-column std and hinge pass: 32 columns per block, 16 rows of threads (fewer for tiny n). */
    static LaunchGeometry columns(int n, int d) {
        int rows = Math.min(16, nextPowerOfTwo(Math.max(1, n)));
        return new LaunchGeometry(Math.max(1, (d + COLUMN_TILE - 1) / COLUMN_TILE), 1, COLUMN_TILE, rows);
    }

    /** One thread per channel. */
    static LaunchGeometry perChannel(int c) {
        return new LaunchGeometry(Math.max(1, (c + 127) / 128), 1, 128, 1);
    }

    /**
     * How many blocks share one channel's {@code count} values in the batch-norm reductions: enough
     * that all channels together fill about 4 blocks per multiprocessor, but each block keeps at least
     * 4 values per thread.
     */
    static int batchNormSplits(int c, long count, int sms) {
        long wanted = Math.max(1, (4L * sms + c - 1) / c);
        long most = Math.max(1, count / (4L * BATCH_NORM_THREADS));
        return (int) Math.min(Math.min(wanted, most), 1024);
    }

    /** grid (splits, channels) of {@link #BATCH_NORM_THREADS}-thread blocks. */
    static LaunchGeometry batchNormPartials(int splits, int c) {
        if (c > 65535) throw new IllegalArgumentException("cuda batch norm: at most 65535 channels, got " + c);
        return new LaunchGeometry(splits, c, BATCH_NORM_THREADS, 1);
    }

    static int nextPowerOfTwo(int v) {
        if (v <= 1) return 1;
        return Integer.highestOneBit(v - 1) << 1;
    }
}

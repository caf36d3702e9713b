package org.jvicreg.vicreg.data;

/**
 * Images held in memory as unsigned bytes (CHW per image, images back to back) with int labels: the
 * decoded form of IDX and CIFAR files. A byte per value keeps Fashion-MNIST at 47 MB and CIFAR-10 at
 * 154 MB; conversion to floats happens per image, on the loader's workers.
 */
public final class ByteImageDataset extends AbstractImageDataset {
    /** {@code i / 255f} for every byte value: exactly torchvision's ToTensor, without a division per pixel. */
    private static final float[] TO_FLOAT = new float[256];

    static {
        for (int i = 0; i < 256; i++) TO_FLOAT[i] = i / 255f;
    }

    private final byte[] pixels;

    /**
     * @param pixels     {@code labels.length * channels * height * width} bytes, 0..255
     * @param numClasses more than every label
     */
    public ByteImageDataset(byte[] pixels, int[] labels, int channels, int height, int width, int numClasses,
                            String description) {
        super(labels, channels, height, width, numClasses, description);
        long need = (long) labels.length * channels * height * width;
        if (pixels.length != need) {
            throw new IllegalArgumentException(description + ": " + pixels.length + " pixel bytes for " + labels.length
                    + " images of " + channels + "x" + height + "x" + width + " (need " + need + ")");
        }
        this.pixels = pixels;
    }

    @Override
    public void image(int index, float[] dst, int offset) {
        checkIndex(index);
        int n = imageSize();
        int src = index * n;
        for (int i = 0; i < n; i++) dst[offset + i] = TO_FLOAT[pixels[src + i] & 0xff];
    }

    /** Image {@code index}'s raw bytes (CHW, 0..255) copied into {@code dst} at {@code offset}. */
    public void rawImage(int index, byte[] dst, int offset) {
        checkIndex(index);
        int n = imageSize();
        System.arraycopy(pixels, index * n, dst, offset, n);
    }
}

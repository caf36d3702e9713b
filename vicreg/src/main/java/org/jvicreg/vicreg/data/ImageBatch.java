package org.jvicreg.vicreg.data;

/**
 * One evaluation batch of {@link EvalBatches}: {@code size} normalised images as NCHW floats and their
 * labels. Fresh arrays, owned by the consumer.
 */
public record ImageBatch(int size, int channels, int height, int width, float[] images, int[] labels) {

    /** {@code {size, channels, height, width}}. */
    public int[] shape() {
        return new int[] {size, channels, height, width};
    }
}

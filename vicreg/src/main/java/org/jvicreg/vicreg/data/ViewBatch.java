package org.jvicreg.vicreg.data;

/**
 * One training batch of {@link TwoViewLoader}: two normalised views of the same {@code size} images,
 * each {@code size x channels x height x width} floats (NCHW, ready for
 * {@code Tensor.of(view1, size, channels, height, width)}), their labels (for monitoring only) and
 * their dataset indices. The arrays are fresh for every batch and belong to the consumer.
 */
public record ViewBatch(int epoch, int step, int size, int channels, int height, int width,
                        float[] view1, float[] view2, int[] labels, int[] indices) {

    /** {@code {size, channels, height, width}}. */
    public int[] shape() {
        return new int[] {size, channels, height, width};
    }
}

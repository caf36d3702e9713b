package org.jvicreg.vicreg.data;

/** What every reader keeps the same way: the labels, the image shape, the class count, a description. */
abstract class AbstractImageDataset implements ImageDataset {
    private final int[] labels;
    private final int channels, height, width, numClasses;
    private final String description;

    AbstractImageDataset(int[] labels, int channels, int height, int width, int numClasses, String description) {
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException(description + ": label " + labels[i] + " of image " + i + " outside 0.." + (numClasses - 1));
            }
        }
        this.labels = labels;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.numClasses = numClasses;
        this.description = description;
    }

    @Override public final int size() { return labels.length; }
    @Override public final int channels() { return channels; }
    @Override public final int height() { return height; }
    @Override public final int width() { return width; }
    @Override public final int numClasses() { return numClasses; }
    @Override public final String description() { return description; }

    @Override
    public final int label(int index) {
        return labels[index];
    }
}

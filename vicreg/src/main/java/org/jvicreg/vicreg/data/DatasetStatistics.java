package org.jvicreg.vicreg.data;

import org.jvicreg.vicreg.augment.Normalization;

/**
 * Per-channel mean and (population) standard deviation of a dataset's pixels: the normalisation to use
 * for data without a published preset (an image folder, a subset).
 */
public final class DatasetStatistics {
    private DatasetStatistics() {}

    /** Mean and std per channel over every pixel of every image, accumulated in double. */
    public static Normalization measure(ImageDataset data) {
        int c = data.channels(), pixels = data.height() * data.width();
        double[] sum = new double[c], sumSq = new double[c];
        float[] img = new float[data.imageSize()];
        for (int i = 0; i < data.size(); i++) {
            data.image(i, img, 0);
            for (int ch = 0; ch < c; ch++) {
                double s = 0, s2 = 0;
                for (int k = ch * pixels, end = k + pixels; k < end; k++) {
                    double v = img[k];
                    s += v;
                    s2 += v * v;
                }
                sum[ch] += s;
                sumSq[ch] += s2;
            }
        }
        double count = (double) data.size() * pixels;
        float[] mean = new float[c], std = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double m = sum[ch] / count;
            mean[ch] = (float) m;
            std[ch] = (float) Math.sqrt(Math.max(sumSq[ch] / count - m * m, 1e-12));
        }
        return Normalization.of(mean, std);
    }
}

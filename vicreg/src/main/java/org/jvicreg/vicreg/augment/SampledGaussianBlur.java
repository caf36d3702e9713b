package org.jvicreg.vicreg.augment;

/**
 * Gaussian blur as torchvision's {@code transforms.GaussianBlur(kernel_size=k, sigma=...)} computes it
 * ({@code F.gaussian_blur(img, [k, k], [sigma, sigma])}): a sampled Gaussian of {@code k} taps,
 * {@code exp(-x^2 / (2 sigma^2))} at {@code x = -(k-1)/2 .. (k-1)/2}, normalised to sum 1
 * ({@code _get_gaussian_kernel1d}), applied along rows and then columns to the image padded with
 * torch's {@code reflect} mode (mirrored about the edge pixel, which is not repeated: {@code -1 -> 1}).
 * torchvision convolves once with the outer product of the two 1-D kernels; separable passes compute
 * the same sums in another order.
 *
 * <p>Unlike {@link GaussianBlur} (PIL's, the official code's), the kernel is cut at {@code k / 2}
 * pixels: a small {@code k} with a large sigma is close to a box filter, and for sigma below about 0.4
 * the kernel is nearly the identity. Reflection needs {@code k / 2} to be less than each side of the
 * image.
 *
 * <p>Not thread-safe (it reuses a line and a plane buffer); use one instance per thread.
 */
public final class SampledGaussianBlur {
    private float[] line = new float[0];
    private float[] plane = new float[0];

    /** torchvision's {@code _get_gaussian_kernel1d(k, sigma)}: {@code k} odd taps summing to 1. */
    public static float[] kernel(int k, double sigma) {
        checkSize(k);
        if (!(sigma > 0)) throw new IllegalArgumentException("sigma must be positive, got " + sigma);
        double half = (k - 1) * 0.5, sum = 0;
        double[] pdf = new double[k];
        for (int i = 0; i < k; i++) {
            double x = (-half + i) / sigma;
            pdf[i] = Math.exp(-0.5 * x * x);
            sum += pdf[i];
        }
        float[] w = new float[k];
        for (int i = 0; i < k; i++) w[i] = (float) (pdf[i] / sum);
        return w;
    }

    /** A kernel size: odd and at least 3 (1 would leave the image as it is). */
    static void checkSize(int k) {
        if (k < 3 || k % 2 == 0) throw new IllegalArgumentException("kernel size must be odd and at least 3, got " + k);
    }

    /**
     * torch's {@code reflect} padding: the index of the pixel that position {@code i} (possibly outside
     * {@code 0 .. n-1}, by less than {@code n}) mirrors.
     */
    static int reflect(int i, int n) {
        if (i < 0) return -i;
        if (i >= n) return 2 * (n - 1) - i;
        return i;
    }

    /** Blurs a CHW image in place with a {@code k x k} kernel of standard deviation {@code sigma} (pixels). */
    public void apply(float[] img, int offset, int channels, int height, int width, int k, double sigma) {
        float[] w = kernel(k, sigma);
        int r = k / 2;
        if (r >= height || r >= width) {
            throw new IllegalArgumentException("a " + k + "x" + k + " kernel reflects " + r + " pixels, more than a "
                    + height + "x" + width + " image has beyond its edge pixel");
        }
        if (line.length < width + 2 * r) line = new float[width + 2 * r];
        if (plane.length < height * width) plane = new float[height * width];
        for (int c = 0; c < channels; c++) {
            int start = offset + c * height * width;
            for (int y = 0; y < height; y++) horizontal(img, start + y * width, width, w, r);
            vertical(img, start, height, width, w, r);
        }
    }

    /** One row: {@code out[x] = sum_j w[j] in[reflect(x + j - r)]}. */
    private void horizontal(float[] img, int start, int n, float[] w, int r) {
        float[] buf = line;
        for (int i = -r; i < n + r; i++) buf[i + r] = img[start + reflect(i, n)];
        for (int x = 0; x < n; x++) {
            float s = 0f;
            for (int j = 0; j < w.length; j++) s += w[j] * buf[x + j];
            img[start + x] = s;
        }
    }

    /** The same down the columns, a whole row at a time (contiguous, vectorisable). */
    private void vertical(float[] img, int start, int height, int width, float[] w, int r) {
        float[] src = plane;
        System.arraycopy(img, start, src, 0, height * width);
        for (int y = 0; y < height; y++) {
            int out = start + y * width;
            for (int x = 0; x < width; x++) img[out + x] = 0f;
            for (int j = 0; j < w.length; j++) {
                int row = reflect(y + j - r, height) * width;
                float wj = w[j];
                for (int x = 0; x < width; x++) img[out + x] += wj * src[row + x];
            }
        }
    }
}

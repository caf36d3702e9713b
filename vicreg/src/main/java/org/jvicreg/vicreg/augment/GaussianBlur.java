package org.jvicreg.vicreg.augment;

/**
 * Gaussian blur as the official VICReg code gets it: PIL's {@code ImageFilter.GaussianBlur(radius=sigma)},
 * which is not a sampled Gaussian kernel but three passes of an "extended" box blur per axis (Gwosdek
 * et al., SSVM 2011), all horizontal passes then all vertical ones, with edge pixels repeated. The box
 * radius {@code R} (fractional) is chosen so the three passes have variance exactly {@code sigma^2};
 * a pass averages the {@code 2r + 1} pixels around each one ({@code r = floor(R)}) with weight
 * {@code 1 / (2R + 1)} and gives the two next ones the remaining weight.
 *
 * <p>Kernel size: there is none to choose; the effective support is {@code 3 (r + 1)} pixels each side
 * (7 at sigma 2, 4 at sigma 1). This keeps the variance of the official blur at every sigma, which a
 * sampled Gaussian truncated at 3 sigma does not: for sigma below about 0.4 such a kernel is nearly
 * the identity (its taps at +-1 are below 0.4%), while PIL's still blurs with variance sigma^2. The work
 * per pixel grows only with the integer box radius (1 at sigma 2). We compute in float where PIL
 * rounds to uint8 after every pass.
 *
 * <p>Not thread-safe (it reuses a line and a plane buffer); use one instance per thread.
 */
public final class GaussianBlur {
    private static final int PASSES = 3;
    private float[] line = new float[0];
    private float[] rowSum = new float[0];
    private float[] plane = new float[0];

    /** PIL's {@code _gaussian_blur_radius(sigma, 3)}: the fractional box radius of each pass. */
    public static double boxRadius(double sigma) {
        double sigma2 = sigma * sigma / PASSES;
        double boxLength = Math.sqrt(12.0 * sigma2 + 1.0);
        double l = Math.floor((boxLength - 1.0) / 2.0);
        double a = (2 * l + 1) * (l * (l + 1) - 3 * sigma2);
        a /= 6 * (sigma2 - (l + 1) * (l + 1));
        return l + a;
    }

    /** Blurs a CHW image in place with standard deviation {@code sigma} (pixels) along both axes. */
    public void apply(float[] img, int offset, int channels, int height, int width, double sigma) {
        if (!(sigma > 0)) throw new IllegalArgumentException("sigma must be positive, got " + sigma);
        double radius = (float) boxRadius(sigma);
        int r = (int) radius;
        float ww = (float) (1.0 / (2 * radius + 1));
        float fw = (float) ((1.0 - (2 * r + 1) / (2 * radius + 1)) / 2);
        int pad = r + 1;
        if (line.length < width + 2 * pad) line = new float[width + 2 * pad];
        if (rowSum.length < width) rowSum = new float[width];
        if (plane.length < height * width) plane = new float[height * width];
        for (int c = 0; c < channels; c++) {
            int start = offset + c * height * width;
            for (int y = 0; y < height; y++) {
                for (int pass = 0; pass < PASSES; pass++) horizontalPass(img, start + y * width, width, r, ww, fw);
            }
            for (int pass = 0; pass < PASSES; pass++) verticalPass(img, start, height, width, r, ww, fw);
        }
    }

    /**
     * One extended box pass along a row: {@code out[x] = ww * sum(in[x-r .. x+r]) + fw * (in[x-r-1] +
     * in[x+r+1])}, the row's end pixels repeated beyond it.
     */
    private void horizontalPass(float[] img, int start, int n, int r, float ww, float fw) {
        float[] buf = line, acc = rowSum;
        int pad = r + 1;
        float first = img[start], last = img[start + n - 1];
        for (int i = 0; i < pad; i++) {
            buf[i] = first;
            buf[pad + n + i] = last;
        }
        System.arraycopy(img, start, buf, pad, n);
        // shifted whole-row adds (contiguous, vectorisable) instead of a short sum per pixel
        System.arraycopy(buf, 1, acc, 0, n);
        for (int k = 2; k <= 2 * r + 1; k++) {
            for (int x = 0; x < n; x++) acc[x] += buf[x + k];
        }
        int far = 2 * pad;
        for (int x = 0; x < n; x++) img[start + x] = ww * acc[x] + fw * (buf[x] + buf[x + far]);
    }

    /** The same pass down the columns, a whole row at a time (contiguous, vectorisable), rows repeated. */
    private void verticalPass(float[] img, int start, int height, int width, int r, float ww, float fw) {
        float[] src = plane;
        System.arraycopy(img, start, src, 0, height * width);
        int last = height - 1;
        for (int y = 0; y < height; y++) {
            int out = start + y * width;
            int above = Math.max(y - r - 1, 0) * width, below = Math.min(y + r + 1, last) * width;
            for (int x = 0; x < width; x++) img[out + x] = 0f;
            for (int k = -r; k <= r; k++) {
                int row = Math.min(Math.max(y + k, 0), last) * width;
                for (int x = 0; x < width; x++) img[out + x] += src[row + x];
            }
            for (int x = 0; x < width; x++) img[out + x] = ww * img[out + x] + fw * (src[above + x] + src[below + x]);
        }
    }
}

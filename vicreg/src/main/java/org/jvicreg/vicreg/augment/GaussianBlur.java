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
 * per pixel does not grow with sigma. We compute in float where PIL rounds to uint8 after every pass.
 *
 * <p>Not thread-safe (it reuses a line buffer); use one instance per thread.
 */
public final class GaussianBlur {
    private static final int PASSES = 3;
    private double[] line = new double[0];

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
        double ww = 1.0 / (2 * radius + 1);
        double fw = (1.0 - (2 * r + 1) * ww) / 2;
        int maxLen = Math.max(height, width) + 2 * (r + 1);
        if (line.length < maxLen) line = new double[maxLen];
        for (int c = 0; c < channels; c++) {
            int plane = offset + c * height * width;
            for (int pass = 0; pass < PASSES; pass++) {
                for (int y = 0; y < height; y++) boxLine(img, plane + y * width, 1, width, r, ww, fw);
            }
            for (int pass = 0; pass < PASSES; pass++) {
                for (int x = 0; x < width; x++) boxLine(img, plane + x, width, height, r, ww, fw);
            }
        }
    }

    /**
     * One extended box pass over the {@code n} values at start, start+stride, ...:
     * {@code out[x] = ww * sum(in[x-r .. x+r]) + fw * (in[x-r-1] + in[x+r+1])}, edges repeated.
     */
    private void boxLine(float[] img, int start, int stride, int n, int r, double ww, double fw) {
        double[] buf = line;
        int pad = r + 1;
        for (int i = -pad; i < n + pad; i++) {
            int j = i < 0 ? 0 : (i >= n ? n - 1 : i);
            buf[i + pad] = img[start + j * stride];
        }
        double sum = 0;
        for (int k = -r; k <= r; k++) sum += buf[pad + k];
        for (int x = 0; x < n; x++) {
            int centre = x + pad;
            img[start + x * stride] = (float) (ww * sum + fw * (buf[centre - r - 1] + buf[centre + r + 1]));
            if (x + 1 < n) sum += buf[centre + r + 1] - buf[centre - r];
        }
    }
}

package org.jvicreg.vicreg.augment;

/** Horizontal mirror of a CHW float image, in place (torchvision's {@code F.hflip}). */
public final class Flip {
    private Flip() {}

    public static void horizontal(float[] img, int offset, int channels, int height, int width) {
        for (int row = 0, rows = channels * height; row < rows; row++) {
            int a = offset + row * width, b = a + width - 1;
            while (a < b) {
                float t = img[a];
                img[a++] = img[b];
                img[b--] = t;
            }
        }
    }
}

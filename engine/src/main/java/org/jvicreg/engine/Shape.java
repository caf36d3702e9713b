package org.jvicreg.engine;

import java.util.Arrays;

/** Shape arithmetic shared by every op: element counts, strides, broadcasting, axis checks. */
public final class Shape {
    private Shape() {}

    public static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    /** Row-major strides of a contiguous tensor of this shape. */
    public static long[] strides(int[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    public static String str(int[] shape) {
        return Arrays.toString(shape);
    }

    public static void checkValid(String op, int[] shape) {
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException(op + ": negative dimension in shape " + str(shape));
        }
        if (numel(shape) > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(op + ": shape " + str(shape) + " has more than 2^31 elements");
        }
    }

    /** The broadcast shape of a and b under NumPy/PyTorch rules, or an error naming the op and both shapes. */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b)
                        + " cannot be broadcast (dimension " + i + ": " + da + " vs " + db + ")");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /**
     * Strides that read a contiguous tensor of shape {@code from} as if it had shape {@code to}
     * (broadcast dimensions get stride 0). {@code from} must broadcast to {@code to}.
     */
    public static long[] broadcastStrides(int[] from, int[] to) {
        long[] src = strides(from);
        long[] out = new long[to.length];
        int lead = to.length - from.length;
        for (int i = 0; i < to.length; i++) {
            if (i < lead) continue;
            out[i] = from[i - lead] == 1 ? 0 : src[i - lead];
        }
        return out;
    }

    /** Normalises a possibly negative axis, or throws naming the op and the shape. */
    public static int axis(String op, int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException(op + ": axis " + axis + " is out of range for a tensor of rank " + rank);
        }
        return a;
    }

    /** Normalised, sorted, duplicate-free axes. */
    public static int[] axes(String op, int[] axes, int rank) {
        boolean[] seen = new boolean[rank];
        for (int ax : axes) {
            int a = axis(op, ax, rank);
            if (seen[a]) throw new IllegalArgumentException(op + ": axis " + ax + " given twice");
            seen[a] = true;
        }
        int[] out = new int[axes.length];
        int k = 0;
        for (int i = 0; i < rank; i++) if (seen[i]) out[k++] = i;
        return out;
    }

    public static int[] allAxes(int rank) {
        int[] a = new int[rank];
        for (int i = 0; i < rank; i++) a[i] = i;
        return a;
    }

    /** Product of shape[from..to). */
    public static int prod(int[] shape, int from, int to) {
        long p = 1;
        for (int i = from; i < to; i++) p *= shape[i];
        return Math.toIntExact(p);
    }
}

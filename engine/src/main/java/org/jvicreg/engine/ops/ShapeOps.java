package org.jvicreg.engine.ops;

import org.jvicreg.engine.Autograd;
import org.jvicreg.engine.Device;
import org.jvicreg.engine.Shape;
import org.jvicreg.engine.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reshape, permute, narrow, expand, cat, stack and device copies, each with its gradient beside it. */
public final class ShapeOps {
    private ShapeOps() {}

    /** Same storage, new shape; one axis may be -1. */
    public static Tensor reshape(Tensor x, int... newShape) {
        int[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("reshape: only one axis can be -1, got " + Shape.str(newShape));
                infer = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException("reshape: invalid size " + s[i] + " in " + Shape.str(newShape));
            } else {
                known *= s[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || x.numel() % known != 0) {
                throw new IllegalArgumentException("reshape: cannot reshape " + Shape.str(x.shape()) + " to " + Shape.str(newShape));
            }
            s[infer] = (int) (x.numel() / known);
        }
        if (Shape.numel(s) != x.numel()) {
            throw new IllegalArgumentException("reshape: cannot reshape " + Shape.str(x.shape()) + " (" + x.numel()
                    + " elements) to " + Shape.str(newShape));
        }
        int[] inShape = x.shape();
        Tensor y = new Tensor(x.storage(), x.offset(), s);
        return Autograd.record("reshape", y, g -> new Tensor[] {g.reshape(inShape)}, x);
    }

    public static Tensor permute(Tensor x, int... axes) {
        int rank = x.dim();
        if (axes.length != rank) {
            throw new IllegalArgumentException("permute: " + axes.length + " axes for a tensor of shape " + Shape.str(x.shape()));
        }
        int[] perm = new int[rank];
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < rank; i++) {
            perm[i] = Shape.axis("permute", axes[i], rank);
            if (seen[perm[i]]) throw new IllegalArgumentException("permute: axis " + axes[i] + " repeated in " + Arrays.toString(axes));
            seen[perm[i]] = true;
        }
        int[] in = x.shape();
        long[] inStrides = Shape.strides(in);
        int[] out = new int[rank];
        long[] srcStrides = new long[rank];
        int[] inverse = new int[rank];
        for (int i = 0; i < rank; i++) {
            out[i] = in[perm[i]];
            srcStrides[i] = inStrides[perm[i]];
            inverse[perm[i]] = i;
        }
        Tensor y = Tensor.uninitialized(x.backend(), out);
        x.backend().copyStrided(x, 0, srcStrides, out, y, 0, Shape.strides(out));
        return Autograd.record("permute", y, g -> new Tensor[] {permute(g, inverse)}, x);
    }

    public static Tensor transpose(Tensor x, int a, int b) {
        int[] perm = Shape.allAxes(x.dim());
        int i = Shape.axis("transpose", a, x.dim()), j = Shape.axis("transpose", b, x.dim());
        perm[i] = j;
        perm[j] = i;
        return permute(x, perm);
    }

    /** A slice along one axis: a view when the slice is contiguous in memory, else a copy. */
    public static Tensor narrow(Tensor x, int axis, int start, int length) {
        int[] in = x.shape();
        int a = Shape.axis("narrow", axis, in.length);
        if (start < 0 || length < 0 || start + length > in[a]) {
            throw new IllegalArgumentException("narrow: range [" + start + ", " + (start + length) + ") out of bounds for axis "
                    + axis + " of shape " + Shape.str(in));
        }
        int[] out = in.clone();
        out[a] = length;
        long[] strides = Shape.strides(in);
        long off = start * strides[a];
        Tensor y;
        if (Shape.prod(in, 0, a) == 1 || length == 0) {
            y = new Tensor(x.storage(), x.offset() + off, out);
        } else {
            y = Tensor.uninitialized(x.backend(), out);
            x.backend().copyStrided(x, off, strides, out, y, 0, Shape.strides(out));
        }
        return Autograd.record("narrow", y, g -> {
            Tensor dx = Tensor.allocate(g.backend(), in);
            g.backend().copyStrided(g, 0, Shape.strides(out), out, dx, off, strides);
            return new Tensor[] {dx};
        }, x);
    }

    /** One element at a flat index, as a view (for {@link Tensor#get}). */
    public static Tensor narrowFlat(Tensor x, long flat) {
        return new Tensor(x.storage(), x.offset() + flat, 1);
    }

    /** Broadcasts to a larger shape by copying; the gradient sums back. */
    public static Tensor expand(Tensor x, int... shape) {
        int[] in = x.shape();
        int[] s = shape.clone();
        if (s.length < in.length) {
            throw new IllegalArgumentException("expand: cannot expand " + Shape.str(in) + " to fewer axes " + Shape.str(shape));
        }
        for (int i = 0; i < s.length; i++) {
            int j = i - (s.length - in.length);
            if (s[i] == -1 && j >= 0) s[i] = in[j];
            if (j >= 0 && in[j] != 1 && in[j] != s[i]) {
                throw new IllegalArgumentException("expand: cannot expand " + Shape.str(in) + " to " + Shape.str(shape)
                        + " (axis " + i + ")");
            }
        }
        if (Arrays.equals(in, s)) return x;
        Tensor y = Tensor.uninitialized(x.backend(), s);
        x.backend().copyStrided(x, 0, Shape.broadcastStrides(in, s), s, y, 0, Shape.strides(s));
        return Autograd.record("expand", y, g -> new Tensor[] {Reductions.sumTo(g, in)}, x);
    }

    public static Tensor cat(List<Tensor> xs, int axis) {
        if (xs.isEmpty()) throw new IllegalArgumentException("cat: no tensors given");
        Tensor first = xs.get(0);
        int a = Shape.axis("cat", axis, first.dim());
        int[] out = first.shape();
        out[a] = 0;
        for (Tensor t : xs) {
            int[] s = t.shape();
            Arithmetic.sameBackend("cat", first, t);
            boolean ok = s.length == out.length;
            for (int i = 0; ok && i < s.length; i++) ok = i == a || s[i] == out[i];
            if (!ok) {
                throw new IllegalArgumentException("cat: shapes " + Shape.str(first.shape()) + " and " + Shape.str(s)
                        + " differ outside axis " + axis);
            }
            out[a] += s[a];
        }
        Tensor y = Tensor.uninitialized(first.backend(), out);
        long[] outStrides = Shape.strides(out);
        int[] starts = new int[xs.size()];
        int pos = 0;
        for (int i = 0; i < xs.size(); i++) {
            Tensor t = xs.get(i);
            starts[i] = pos;
            t.backend().copyStrided(t, 0, Shape.strides(t.shape()), t.shape(), y, pos * outStrides[a], outStrides);
            pos += t.size(a);
        }
        Tensor[] inputs = xs.toArray(new Tensor[0]);
        int[] sizes = new int[inputs.length];
        boolean[] need = new boolean[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            sizes[i] = inputs[i].size(a);
            need[i] = inputs[i].requiresGrad();
        }
        return Autograd.record("cat", y, g -> {
            Tensor[] d = new Tensor[sizes.length];
            for (int i = 0; i < sizes.length; i++) {
                if (need[i]) d[i] = narrow(g, a, starts[i], sizes[i]);
            }
            return d;
        }, inputs);
    }

    public static Tensor stack(List<Tensor> xs, int axis) {
        if (xs.isEmpty()) throw new IllegalArgumentException("stack: no tensors given");
        int a = Shape.axis("stack", axis, xs.get(0).dim() + 1);
        List<Tensor> parts = new ArrayList<>(xs.size());
        for (Tensor t : xs) {
            if (!Arrays.equals(t.shape(), xs.get(0).shape())) {
                throw new IllegalArgumentException("stack: shapes " + Shape.str(xs.get(0).shape()) + " and "
                        + Shape.str(t.shape()) + " differ");
            }
            parts.add(t.unsqueeze(a));
        }
        return cat(parts, a);
    }

    /** Copy to another device; the gradient comes back the same way. */
    public static Tensor to(Tensor x, Device device) {
        if (x.storage().backend() == device.backend()) return x;
        float[] host = x.toArray();
        Tensor y = Tensor.fromStorage(device.backend().upload(host, 0, host.length), x.shape());
        Device from = x.device();
        return Autograd.record("to", y, g -> new Tensor[] {to(g, from)}, x);
    }

    /** dst = src (same shape), unrecorded. */
    public static void copyInto(Tensor src, Tensor dst) {
        Arithmetic.sameBackend("copy", src, dst);
        if (!Arrays.equals(src.shape(), dst.shape())) {
            throw new IllegalArgumentException("copy: shapes " + Shape.str(src.shape()) + " and " + Shape.str(dst.shape()) + " differ");
        }
        long[] st = Shape.strides(src.shape());
        src.backend().copyStrided(src, 0, st, src.shape(), dst, 0, st);
    }
}

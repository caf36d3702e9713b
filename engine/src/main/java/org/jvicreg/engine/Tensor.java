package org.jvicreg.engine;

import org.jvicreg.engine.backend.Backend;
import org.jvicreg.engine.backend.Operand;
import org.jvicreg.engine.backend.Storage;
import org.jvicreg.engine.backend.UnaryOp;
import org.jvicreg.engine.cpu.CpuBackend;
import org.jvicreg.engine.ops.Arithmetic;
import org.jvicreg.engine.ops.MatMul;
import org.jvicreg.engine.ops.Pointwise;
import org.jvicreg.engine.ops.Reductions;
import org.jvicreg.engine.ops.ShapeOps;

import java.util.Arrays;
import java.util.List;

/**
 * A float32 tensor: a shape, a contiguous row-major window of a backend-owned {@link Storage}, and the
 * autograd state (requiresGrad, grad, and the op that made it).
 *
 * <p>Ops return new tensors; reshape and leading-axis narrow share storage (views). Methods that end in
 * {@code InPlace} write into this tensor's storage and are not recorded by autograd (optimizers use
 * them under {@link Grad#off()}). The neural-network ops (conv, pooling, batch norm, losses) live in
 * {@link F}.
 */
public final class Tensor implements Operand {
    private final int[] shape;
    private final Storage storage;
    private final long offset;

    boolean requiresGrad;
    Tensor grad;
    Node gradFn;
    /** Where gradients for this leaf collect ({@link #gradientNode}); made on first use. */
    private Node leafNode;
    /** Called once a backward pass has finished this leaf's gradient ({@link #onGradientReady}), or null. */
    java.util.function.Consumer<Tensor> gradientReady;

    /** Wraps a storage window; used by backends and ops. The window must fit in the storage. */
    public Tensor(Storage storage, long offset, int... shape) {
        Shape.checkValid("tensor", shape);
        if (offset < 0 || offset + Shape.numel(shape) > storage.size()) {
            throw new IllegalArgumentException("tensor: window [" + offset + ", " + (offset + Shape.numel(shape))
                    + ") does not fit in a storage of " + storage.size() + " elements");
        }
        this.shape = shape.clone();
        this.storage = storage;
        this.offset = offset;
    }

    // ---- creation -----------------------------------------------------------------------------

    /** A zero-filled tensor on the given backend (the output buffer of most kernels). */
    public static Tensor allocate(Backend backend, int... shape) {
        Shape.checkValid("allocate", shape);
        return fromStorage(backend.allocate(Shape.numel(shape)), shape);
    }

    /**
     * A tensor whose contents are undefined until written ({@link Backend#allocateUninitialized}): the
     * output of a kernel that overwrites every element. Use {@link #allocate} where anything reads
     * before all of it is written.
     */
    public static Tensor uninitialized(Backend backend, int... shape) {
        Shape.checkValid("uninitialized", shape);
        return fromStorage(backend.allocateUninitialized(Shape.numel(shape)), shape);
    }

    /** A tensor over a whole new storage (tracked by the current {@link Memory} scope). */
    public static Tensor fromStorage(Storage storage, int... shape) {
        Memory.track(storage);
        GradientRecycler.allocated(storage);
        return new Tensor(storage, 0, shape);
    }

    public static Tensor zeros(int... shape) {
        return zeros(Device.cpu(), shape);
    }

    public static Tensor zeros(Device device, int... shape) {
        return allocate(device.backend(), shape);
    }

    public static Tensor ones(int... shape) {
        return full(1f, shape);
    }

    public static Tensor full(float value, int... shape) {
        return full(Device.cpu(), value, shape);
    }

    public static Tensor full(Device device, float value, int... shape) {
        Tensor t = allocate(device.backend(), shape);
        if (value != 0f) device.backend().fill(t, value);
        return t;
    }

    public static Tensor scalar(float value) {
        return of(new float[] {value}, new int[0]);
    }

    /** A CPU vector holding a copy of {@code data}. */
    public static Tensor of(float[] data) {
        return of(data, data.length);
    }

    /** A CPU tensor of the given shape (an empty shape is a scalar) holding a copy of {@code data}. */
    public static Tensor of(float[] data, int... shape) {
        int[] s = shape;
        if (Shape.numel(s) != data.length) {
            throw new IllegalArgumentException("of: " + data.length + " values cannot fill shape " + Shape.str(s));
        }
        Storage st = CpuBackend.INSTANCE.upload(data, 0, data.length);
        return new Tensor(st, 0, s);
    }

    /** 0, 1, ..., n-1. */
    public static Tensor arange(int n) {
        return arange(0, n, 1);
    }

    /** start, start+step, ... while below end (above for negative steps), like torch.arange. */
    public static Tensor arange(double start, double end, double step) {
        if (step == 0) throw new IllegalArgumentException("arange: step must be non-zero");
        int n = (int) Math.max(0, Math.ceil((end - start) / step));
        float[] d = new float[n];
        for (int i = 0; i < n; i++) d[i] = (float) (start + i * step);
        return of(d, n);
    }

    /** Uniform on [0, 1). */
    public static Tensor rand(Rng rng, int... shape) {
        float[] d = new float[Math.toIntExact(Shape.numel(shape))];
        for (int i = 0; i < d.length; i++) d[i] = rng.nextFloat();
        return of(d, shape);
    }

    /** Standard normal. */
    public static Tensor randn(Rng rng, int... shape) {
        float[] d = new float[Math.toIntExact(Shape.numel(shape))];
        for (int i = 0; i < d.length; i++) d[i] = (float) rng.nextGaussian();
        return of(d, shape);
    }

    // ---- shape and data ----------------------------------------------------------------------

    @Override
    public int[] shape() {
        return shape.clone();
    }

    public int dim() {
        return shape.length;
    }

    public int size(int axis) {
        return shape[Shape.axis("size", axis, shape.length)];
    }

    @Override
    public int numel() {
        return (int) Shape.numel(shape);
    }

    @Override
    public Storage storage() {
        return storage;
    }

    @Override
    public long offset() {
        return offset;
    }

    /** The backend that computes on this tensor (behind a timing proxy while a {@link Profiler} is open). */
    public Backend backend() {
        return Profiler.observe(storage.backend());
    }

    public Device device() {
        return Device.of(storage.backend());
    }

    /** A copy of the values in row-major order (downloaded from the device when needed). */
    public float[] toArray() {
        float[] out = new float[numel()];
        backend().download(this, out, 0);
        return out;
    }

    /** The value of a one-element tensor. */
    public float item() {
        if (numel() != 1) {
            throw new IllegalArgumentException("item: tensor of shape " + Shape.str(shape) + " has " + numel()
                    + " elements, expected 1");
        }
        return toArray()[0];
    }

    /** One element by index (slow on devices: for tests and debugging). */
    public float get(int... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("get: " + index.length + " indices for a tensor of rank " + shape.length);
        }
        long[] st = Shape.strides(shape);
        long flat = 0;
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("get: index " + index[i] + " out of range for axis " + i
                        + " of size " + shape[i]);
            }
            flat += index[i] * st[i];
        }
        return ShapeOps.narrowFlat(this, flat).item();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor").append(Shape.str(shape));
        if (storage.backend() != CpuBackend.INSTANCE) sb.append(" on ").append(storage.backend().name());
        if (gradFn != null) sb.append(" grad_fn=").append(gradFn.op);
        else if (requiresGrad) sb.append(" requires_grad");
        float[] v = toArray();
        String values = Arrays.toString(v.length <= 16 ? v : Arrays.copyOf(v, 16));
        sb.append(' ').append(v.length <= 16 ? values : values.substring(0, values.length() - 1) + ", ...]");
        return sb.toString();
    }

    // ---- autograd -----------------------------------------------------------------------------

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf tensor as a variable whose gradient backward() should compute; returns this. */
    public Tensor requiresGrad(boolean value) {
        if (gradFn != null && !value) {
            throw new IllegalStateException("requiresGrad(false) on a non-leaf tensor; use detach()");
        }
        requiresGrad = value;
        return this;
    }

    /** The accumulated gradient, or null. */
    public Tensor grad() {
        return grad;
    }

    public void setGrad(Tensor g) {
        if (g != null && !Arrays.equals(g.shape, shape)) {
            throw new IllegalArgumentException("setGrad: gradient shape " + Shape.str(g.shape)
                    + " does not match tensor shape " + Shape.str(shape));
        }
        grad = g;
    }

    public void zeroGrad() {
        grad = null;
    }

    /**
     * Calls {@code hook} with this leaf each time a backward pass has finished accumulating its gradient,
     * while the pass goes on with the rest of the graph: what data-parallel training needs to start reducing
     * a gradient while the others are still being computed. Null removes it. A leaf that the loss does not
     * reach gets no call.
     */
    public void onGradientReady(java.util.function.Consumer<Tensor> hook) {
        gradientReady = hook;
    }

    public boolean isLeaf() {
        return gradFn == null;
    }

    /**
     * The graph node this tensor's gradient goes to: the op that produced it, for a leaf that requires
     * grad its own accumulating node (one per leaf, so every use of it sums into one grad), else null.
     */
    Node gradientNode() {
        if (gradFn != null) return gradFn;
        if (!requiresGrad) return null;
        if (leafNode == null) leafNode = Node.leaf(this);
        return leafNode;
    }

    /** Name of the op that produced this tensor, or null for a leaf. */
    public String gradFnName() {
        return gradFn == null ? null : gradFn.op;
    }

    /** Back-propagates from this scalar (d this / d this = 1) and frees the graph. */
    public void backward() {
        if (numel() != 1) {
            throw new IllegalStateException("backward: implicit gradient only for scalars, this has shape "
                    + Shape.str(shape) + "; pass a gradient");
        }
        Autograd.backward(this, Tensor.full(device(), 1f, shape), false);
    }

    public void backward(Tensor gradient) {
        Autograd.backward(this, gradient, false);
    }

    public void backward(Tensor gradient, boolean retainGraph) {
        Autograd.backward(this, gradient, retainGraph);
    }

    /** The same data, cut from the graph. */
    public Tensor detach() {
        return new Tensor(storage, offset, shape);
    }

    // ---- arithmetic (broadcasting) -------------------------------------------------------------

    public Tensor add(Tensor o) {
        return Arithmetic.add(this, o);
    }

    public Tensor sub(Tensor o) {
        return Arithmetic.sub(this, o);
    }

    public Tensor mul(Tensor o) {
        return Arithmetic.mul(this, o);
    }

    public Tensor div(Tensor o) {
        return Arithmetic.div(this, o);
    }

    public Tensor add(float c) {
        return Arithmetic.addScalar(this, c);
    }

    public Tensor sub(float c) {
        return Arithmetic.addScalar(this, -c);
    }

    public Tensor mul(float c) {
        return Arithmetic.mulScalar(this, c);
    }

    public Tensor div(float c) {
        return Arithmetic.mulScalar(this, 1f / c);
    }

    /** Elementwise maximum (gradient to the larger input; ties split evenly, as PyTorch). */
    public Tensor maximum(Tensor o) {
        return Arithmetic.maximum(this, o);
    }

    /** 1 where this > o, else 0 (not differentiable). */
    public Tensor gt(Tensor o) {
        return Arithmetic.compare(org.jvicreg.engine.backend.BinaryOp.GT, this, o);
    }

    public Tensor lt(Tensor o) {
        return Arithmetic.compare(org.jvicreg.engine.backend.BinaryOp.LT, this, o);
    }

    public Tensor ge(Tensor o) {
        return Arithmetic.compare(org.jvicreg.engine.backend.BinaryOp.GE, this, o);
    }

    public Tensor le(Tensor o) {
        return Arithmetic.compare(org.jvicreg.engine.backend.BinaryOp.LE, this, o);
    }

    public Tensor eq(Tensor o) {
        return Arithmetic.compare(org.jvicreg.engine.backend.BinaryOp.EQ, this, o);
    }

    /** cond != 0 ? a : b, broadcasting all three. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        return Arithmetic.where(cond, a, b);
    }

    // ---- pointwise math ----------------------------------------------------------------------

    public Tensor neg() {
        return Pointwise.neg(this);
    }

    public Tensor pow(float p) {
        return Pointwise.pow(this, p);
    }

    public Tensor square() {
        return Pointwise.square(this);
    }

    public Tensor sqrt() {
        return Pointwise.sqrt(this);
    }

    public Tensor exp() {
        return Pointwise.exp(this);
    }

    public Tensor log() {
        return Pointwise.log(this);
    }

    public Tensor abs() {
        return Pointwise.abs(this);
    }

    public Tensor relu() {
        return Pointwise.relu(this);
    }

    public Tensor sigmoid() {
        return Pointwise.sigmoid(this);
    }

    public Tensor tanh() {
        return Pointwise.tanh(this);
    }

    public Tensor clamp(float min, float max) {
        return Pointwise.clamp(this, min, max);
    }

    // ---- reductions ---------------------------------------------------------------------------

    /** Sum of all elements (a scalar of shape []). */
    public Tensor sum() {
        return Reductions.sum(this, Shape.allAxes(dim()), false);
    }

    public Tensor sum(int axis, boolean keepDim) {
        return Reductions.sum(this, new int[] {axis}, keepDim);
    }

    public Tensor sum(int[] axes, boolean keepDim) {
        return Reductions.sum(this, axes, keepDim);
    }

    public Tensor mean() {
        return Reductions.mean(this, Shape.allAxes(dim()), false);
    }

    public Tensor mean(int axis, boolean keepDim) {
        return Reductions.mean(this, new int[] {axis}, keepDim);
    }

    public Tensor mean(int[] axes, boolean keepDim) {
        return Reductions.mean(this, axes, keepDim);
    }

    /** Variance over the axes; unbiased divides by (count - 1), as torch.var's default. */
    public Tensor var(int[] axes, boolean unbiased, boolean keepDim) {
        return Reductions.var(this, axes, unbiased, keepDim);
    }

    public Tensor var(int axis, boolean unbiased, boolean keepDim) {
        return Reductions.var(this, new int[] {axis}, unbiased, keepDim);
    }

    /** Maximum along one axis (gradient to the first maximum). */
    public Tensor max(int axis, boolean keepDim) {
        return Reductions.max(this, new int[] {axis}, keepDim);
    }

    /** Maximum over several axes, one after another. */
    public Tensor max(int[] axes, boolean keepDim) {
        return Reductions.max(this, axes, keepDim);
    }

    /** Maximum of all elements. */
    public Tensor max() {
        return Reductions.max(this, Shape.allAxes(dim()), false);
    }

    /** Index of the first maximum along the axis, as floats (not differentiable). */
    public Tensor argmax(int axis, boolean keepDim) {
        return Reductions.argmax(this, axis, keepDim);
    }

    // ---- matrix products -----------------------------------------------------------------------

    /** Matrix product over the last two axes, batch axes broadcast as torch.matmul. */
    public Tensor matmul(Tensor o) {
        return MatMul.matmul(this, o, false, false);
    }

    /** op(this) @ op(o) where op transposes the last two axes when its flag is set (no copy). */
    public Tensor matmul(Tensor o, boolean transposeThis, boolean transposeOther) {
        return MatMul.matmul(this, o, transposeThis, transposeOther);
    }

    // ---- shape ----------------------------------------------------------------------------------

    /** Same data, new shape (one axis may be -1). Shares storage. */
    public Tensor reshape(int... newShape) {
        return ShapeOps.reshape(this, newShape);
    }

    public Tensor view(int... newShape) {
        return ShapeOps.reshape(this, newShape);
    }

    public Tensor flatten() {
        return ShapeOps.reshape(this, numel());
    }

    /** Merges axes from startAxis to the end into one. */
    public Tensor flatten(int startAxis) {
        int a = Shape.axis("flatten", startAxis, dim());
        int[] s = Arrays.copyOf(shape, a + 1);
        s[a] = Shape.prod(shape, a, shape.length);
        return ShapeOps.reshape(this, s);
    }

    public Tensor unsqueeze(int axis) {
        int a = Shape.axis("unsqueeze", axis, dim() + 1);
        int[] s = new int[dim() + 1];
        for (int i = 0, j = 0; i < s.length; i++) s[i] = i == a ? 1 : shape[j++];
        return ShapeOps.reshape(this, s);
    }

    public Tensor squeeze(int axis) {
        int a = Shape.axis("squeeze", axis, dim());
        if (shape[a] != 1) return this;
        int[] s = new int[dim() - 1];
        for (int i = 0, j = 0; i < shape.length; i++) if (i != a) s[j++] = shape[i];
        return ShapeOps.reshape(this, s);
    }

    public Tensor permute(int... axes) {
        return ShapeOps.permute(this, axes);
    }

    public Tensor transpose(int a, int b) {
        return ShapeOps.transpose(this, a, b);
    }

    /** The transpose of a matrix. */
    public Tensor t() {
        if (dim() != 2) throw new IllegalArgumentException("t: expected a matrix, got shape " + Shape.str(shape));
        return ShapeOps.transpose(this, 0, 1);
    }

    /** Elements start..start+length-1 along the axis (a view when it is contiguous). */
    public Tensor narrow(int axis, int start, int length) {
        return ShapeOps.narrow(this, axis, start, length);
    }

    /** Broadcasts to a larger shape (copies). */
    public Tensor expand(int... newShape) {
        return ShapeOps.expand(this, newShape);
    }

    public static Tensor cat(List<Tensor> tensors, int axis) {
        return ShapeOps.cat(tensors, axis);
    }

    public static Tensor stack(List<Tensor> tensors, int axis) {
        return ShapeOps.stack(tensors, axis);
    }

    /** A copy on the device (this tensor when already there); differentiable. */
    public Tensor to(Device device) {
        return ShapeOps.to(this, device);
    }

    /** A differentiable copy with its own storage. */
    public Tensor copy() {
        return Pointwise.copy(this);
    }

    // ---- in place (not recorded) -------------------------------------------------------------------

    private void checkInPlace(String op) {
        if (Grad.isEnabled() && (requiresGrad || gradFn != null)) {
            throw new IllegalStateException(op + ": in-place change of a tensor that takes part in autograd; "
                    + "do it under Grad.off()");
        }
    }

    /** this = src (same shape); returns this. */
    public Tensor assignInPlace(Tensor src) {
        checkInPlace("assignInPlace");
        ShapeOps.copyInto(src, this);
        return this;
    }

    /** this += alpha * x (same shape); returns this. */
    public Tensor addInPlace(Tensor x, float alpha) {
        checkInPlace("addInPlace");
        Arithmetic.axpyInPlace(this, x, alpha);
        return this;
    }

    /** this *= c; returns this. */
    public Tensor mulInPlace(float c) {
        checkInPlace("mulInPlace");
        backend().unary(UnaryOp.MUL_SCALAR, this, this, c, 0);
        return this;
    }

    public Tensor fillInPlace(float v) {
        checkInPlace("fillInPlace");
        backend().fill(this, v);
        return this;
    }
}

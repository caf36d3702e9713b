package org.jvicreg.vicreg.bench;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;

/**
 * Single-precision matrix products straight on the backend's GEMM: the square C = A B (n x n x n), and
 * the VICReg covariance shape C = Z^T Z with Z of n x d (d x d output, depth n).
 */
public final class GemmWorkload extends Workload {
    private final boolean transA;
    private final int m, n, k;
    private final Tensor a, b, c;

    private GemmWorkload(String name, String params, boolean transA, int m, int n, int k, Tensor a, Tensor b, Device device) {
        super(name, params, device, 0);
        this.transA = transA;
        this.m = m;
        this.n = n;
        this.k = k;
        this.a = a;
        this.b = b;
        this.c = Tensor.zeros(device, m, n);
    }

    /** C (n x n) = A (n x n) * B (n x n). */
    public static GemmWorkload square(int n, Device device) {
        Rng rng = new Rng(1);
        return new GemmWorkload("gemm", "n=" + n, false, n, n, n, Tensor.randn(rng, n, n).to(device), Tensor.randn(rng, n, n).to(device), device);
    }

    /** C (d x d) = Z^T Z with Z (n x d): the covariance product of a VICReg batch. */
    public static GemmWorkload ztz(int n, int d, Device device) {
        Tensor z = Tensor.randn(new Rng(2), n, d).to(device);
        return new GemmWorkload("ztz", "n=" + n + " d=" + d, true, d, d, n, z, z, device);
    }

    @Override
    public double flops() {
        return 2.0 * m * n * k;
    }

    @Override
    protected void work() {
        int lda = transA ? m : k;
        device().backend().gemm(transA, false, m, n, k, 1f, a, 0, lda, 0, b, 0, n, 0, 0f, c, 0, n, 0, 1);
    }
}

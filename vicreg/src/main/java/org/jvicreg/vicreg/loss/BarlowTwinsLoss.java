package org.jvicreg.vicreg.loss;

import org.jvicreg.engine.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Barlow Twins (Zbontar et al., 2021) as facebookresearch/barlowtwins computes it: each branch
 * standardised per dimension (BatchNorm without affine: biased variance, eps 1e-5), the cross-correlation
 * c = z1n^T z2n / N, and loss = sum_i (1 - c_ii)^2 + lambda * sum_{i != j} c_ij^2 (lambda 0.0051 in the
 * paper). Composed from autograd ops. When N < D the off-diagonal sum uses
 * ||c||_F^2 = sum(K1 * K2) / N^2 with K = zn zn^T, so no D x D matrix is formed.
 */
public final class BarlowTwinsLoss implements SslLoss {
    private final double lambda;

    public BarlowTwinsLoss(double lambda) {
        if (!(lambda >= 0)) throw new IllegalArgumentException("barlow loss: lambda must be >= 0, got " + lambda);
        this.lambda = lambda;
    }

    @Override
    public String name() {
        return "barlow";
    }

    @Override
    public Terms evaluate(Tensor x, Tensor y) {
        SslLoss.checkPair("barlow", x, y);
        int n = x.size(0), d = x.size(1);
        Tensor a = standardise(x), b = standardise(y);
        Tensor diag = a.mul(b).sum(0, false).div(n);
        Tensor onDiag = diag.sub(1f).square().sum();
        Tensor frob = n < d
                ? a.matmul(a, false, true).mul(b.matmul(b, false, true)).sum().div((float) n * n)
                : a.matmul(b, true, false).div(n).square().sum();
        Tensor offDiag = frob.sub(diag.square().sum());
        Tensor loss = onDiag.add(offDiag.mul((float) lambda));
        Map<String, Double> v = new LinkedHashMap<>();
        v.put("on_diagonal", (double) onDiag.item());
        v.put("off_diagonal", (double) offDiag.item());
        return new Terms(loss, v);
    }

    private static Tensor standardise(Tensor z) {
        Tensor c = z.sub(z.mean(0, true));
        return c.div(c.square().mean(0, true).add(1e-5f).sqrt());
    }
}

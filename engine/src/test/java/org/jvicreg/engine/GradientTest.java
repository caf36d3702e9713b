package org.jvicreg.engine;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.jvicreg.engine.GradCheck.awayFromZero;
import static org.jvicreg.engine.GradCheck.check;
import static org.jvicreg.engine.GradCheck.distinct;
import static org.jvicreg.engine.GradCheck.randn;
import static org.jvicreg.engine.GradCheck.uniform;

/** Every differentiable op against central finite differences, on several shapes each. */
class GradientTest {

    @Test
    void arithmeticWithBroadcasting() {
        int[][][] pairs = {
            {{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{2, 3, 4}, {3, 1}}, {{5, 1}, {1, 6}}, {{1}, {2, 3}}, {{2, 1, 4}, {3, 1}}
        };
        for (int[][] p : pairs) {
            String s = java.util.Arrays.deepToString(p);
            check("add" + s, in -> in[0].add(in[1]), randn(1, p[0]), randn(2, p[1]));
            check("sub" + s, in -> in[0].sub(in[1]), randn(3, p[0]), randn(4, p[1]));
            check("mul" + s, in -> in[0].mul(in[1]), randn(5, p[0]), randn(6, p[1]));
            check("div" + s, in -> in[0].div(in[1]), randn(7, p[0]), uniform(8, 0.5f, 2f, p[1]));
            check("maximum" + s, in -> in[0].maximum(in[1]), distinct(9, 0.1f, p[0]), distinct(10, 0.1f, p[1]).add(0.025f));
        }
        check("scalar ops", in -> in[0].add(2f).mul(3f).sub(1f).div(4f), randn(11, 3, 5));
    }

    @Test
    void pointwise() {
        int[][] shapes = {{7}, {3, 5}, {2, 3, 4}};
        for (int[] s : shapes) {
            String n = java.util.Arrays.toString(s);
            check("neg" + n, in -> in[0].neg(), randn(1, s));
            check("exp" + n, in -> in[0].exp(), randn(2, s));
            check("log" + n, in -> in[0].log(), uniform(3, 0.5f, 3f, s));
            check("sqrt" + n, in -> in[0].sqrt(), uniform(4, 0.5f, 3f, s));
            check("pow2.5" + n, in -> in[0].pow(2.5f), uniform(5, 0.5f, 2f, s));
            check("pow-1" + n, in -> in[0].pow(-1f), uniform(6, 0.5f, 2f, s));
            check("square" + n, in -> in[0].square(), randn(7, s));
            check("abs" + n, in -> in[0].abs(), awayFromZero(8, 0.05f, s));
            check("relu" + n, in -> in[0].relu(), awayFromZero(9, 0.05f, s));
            check("sigmoid" + n, in -> in[0].sigmoid(), randn(10, s));
            check("tanh" + n, in -> in[0].tanh(), randn(11, s));
            check("clamp" + n, in -> in[0].clamp(-0.5f, 0.7f), distinct(12, 0.0973f, s));
            check("copy" + n, in -> in[0].copy().mul(2f), randn(13, s));
        }
        Tensor cond = awayFromZero(14, 0.1f, 3, 4).gt(Tensor.zeros(1));
        check("where", in -> Tensor.where(cond, in[0], in[1]), randn(15, 3, 4), randn(16, 4));
    }

    @Test
    void reductions() {
        Tensor x = randn(1, 2, 3, 4);
        check("sum all", in -> in[0].sum(), x);
        check("sum axis1", in -> in[0].sum(1, false), randn(2, 2, 3, 4));
        check("sum axes 0,2 keep", in -> in[0].sum(new int[] {0, 2}, true), randn(3, 2, 3, 4));
        check("sum axes -1,-2", in -> in[0].sum(new int[] {-1, -2}, false), randn(4, 2, 3, 4));
        check("mean axes 0,2", in -> in[0].mean(new int[] {0, 2}, false), randn(5, 2, 3, 4));
        check("mean all", in -> in[0].mean(), randn(6, 5, 3));
        check("var unbiased axis0", in -> in[0].var(0, true, false), randn(7, 6, 4));
        check("var biased axes 1,2 keep", in -> in[0].var(new int[] {1, 2}, false, true), randn(8, 2, 3, 4));
        check("max axis1", in -> in[0].max(1, false), distinct(9, 0.05f, 3, 5, 2));
        check("max axes 0,2 keep", in -> in[0].max(new int[] {0, 2}, true), distinct(10, 0.05f, 3, 5, 2));
        check("max all", in -> in[0].max(), distinct(11, 0.05f, 4, 6));
    }

    @Test
    void matmul() {
        check("mm", in -> in[0].matmul(in[1]), randn(1, 3, 5), randn(2, 5, 4));
        check("mm tA", in -> in[0].matmul(in[1], true, false), randn(3, 5, 3), randn(4, 5, 4));
        check("mm tB", in -> in[0].matmul(in[1], false, true), randn(5, 3, 5), randn(6, 4, 5));
        check("mm tA tB", in -> in[0].matmul(in[1], true, true), randn(7, 5, 3), randn(8, 4, 5));
        check("bmm", in -> in[0].matmul(in[1]), randn(9, 2, 3, 5), randn(10, 2, 5, 4));
        check("bmm tA tB", in -> in[0].matmul(in[1], true, true), randn(11, 2, 5, 3), randn(12, 2, 4, 5));
        check("batched @ matrix", in -> in[0].matmul(in[1]), randn(13, 2, 3, 5), randn(14, 5, 4));
        check("matrix @ batched", in -> in[0].matmul(in[1]), randn(15, 3, 5), randn(16, 2, 5, 4));
        check("batched^T @ matrix", in -> in[0].matmul(in[1], true, false), randn(17, 2, 5, 3), randn(18, 5, 4));
        check("broadcast batch axes", in -> in[0].matmul(in[1]), randn(19, 1, 3, 5), randn(20, 3, 5, 2));
        check("linear", in -> F.linear(in[0], in[1], in[2]), randn(21, 4, 6), randn(22, 3, 6), randn(23, 3));
    }

    @Test
    void shapeOps() {
        check("reshape", in -> in[0].reshape(4, -1).mul(in[0].reshape(4, 6)), randn(1, 2, 3, 4));
        check("permute", in -> in[0].permute(2, 0, 1), randn(2, 2, 3, 4));
        check("transpose", in -> in[0].transpose(0, 2), randn(3, 2, 3, 4));
        check("t", in -> in[0].t(), randn(4, 3, 5));
        check("narrow view", in -> in[0].narrow(0, 1, 2), randn(5, 4, 3));
        check("narrow copy", in -> in[0].narrow(1, 1, 2), randn(6, 4, 3, 2));
        check("narrow last", in -> in[0].narrow(-1, 0, 3), randn(7, 2, 5));
        check("expand", in -> in[0].expand(2, 3, 4), randn(8, 3, 1));
        check("cat axis0", in -> Tensor.cat(List.of(in[0], in[1]), 0), randn(9, 2, 3), randn(10, 4, 3));
        check("cat axis1", in -> Tensor.cat(List.of(in[0], in[1], in[0]), 1), randn(11, 2, 3), randn(12, 2, 1));
        check("stack", in -> Tensor.stack(List.of(in[0], in[1]), 1), randn(13, 2, 3), randn(14, 2, 3));
        check("unsqueeze/squeeze/flatten", in -> in[0].unsqueeze(1).squeeze(1).flatten(1), randn(15, 2, 3, 4));
    }

    @Test
    void convolution() {
        // (input shape, weight shape, stride, padding, dilation, groups)
        check("conv 3x3 p1", in -> F.conv2d(in[0], in[1], in[2], 1, 1, 1, 1), randn(1, 2, 3, 6, 5), randn(2, 4, 3, 3, 3), randn(3, 4));
        check("conv 3x3 s2", in -> F.conv2d(in[0], in[1], null, 2, 1, 1, 1), randn(4, 2, 3, 7, 7), randn(5, 2, 3, 3, 3));
        check("conv 1x1", in -> F.conv2d(in[0], in[1], null, 1, 0, 1, 1), randn(6, 2, 4, 3, 5), randn(7, 3, 4, 1, 1));
        check("conv 1x1 s2", in -> F.conv2d(in[0], in[1], null, 2, 0, 1, 1), randn(8, 2, 4, 5, 5), randn(9, 3, 4, 1, 1));
        check("conv groups", in -> F.conv2d(in[0], in[1], null, 1, 1, 1, 2), randn(10, 2, 4, 5, 5), randn(11, 6, 2, 3, 3));
        check("conv dilation", in -> F.conv2d(in[0], in[1], null, 1, 2, 2, 1), randn(12, 1, 2, 7, 6), randn(13, 3, 2, 3, 3));
        check("conv 7x7 s2 p3", in -> F.conv2d(in[0], in[1], null, 2, 3, 1, 1), randn(14, 1, 2, 9, 9), randn(15, 2, 2, 7, 7));
        check("conv rect", in -> F.conv2d(in[0], in[1], null, new int[] {1, 2}, new int[] {0, 1}, new int[] {1, 1}, 1),
                randn(16, 2, 2, 5, 6), randn(17, 3, 2, 2, 3));
    }

    @Test
    void batchLastConvolution() {
        // 32 images and 8 / 24 channels take the direct kernels (the register tiles' image and channel blocks)
        check("batch-last 3x3 p1", in -> F.conv2dBatchLast(in[0], in[1], 1, 1), randn(18, 8, 3, 4, 32), randn(19, 24, 8, 3, 3));
        check("batch-last 3x3 s2", in -> F.conv2dBatchLast(in[0], in[1], 2, 1), randn(20, 24, 5, 5, 32), randn(21, 8, 24, 3, 3));
        check("batch-last 1x1 s2", in -> F.conv2dBatchLast(in[0], in[1], 2, 0), randn(22, 24, 4, 4, 32), randn(23, 8, 24, 1, 1));
        // 3 images: the permute-to-NCHW fallback
        check("batch-last fallback", in -> F.conv2dBatchLast(in[0], in[1], 2, 1), randn(24, 2, 5, 4, 3), randn(25, 3, 2, 3, 3));
    }

    @Test
    void pooling() {
        check("maxpool 3x3 s2 p1", in -> F.maxPool2d(in[0], 3, 2, 1), distinct(1, 0.03f, 2, 2, 7, 7));
        check("maxpool 2x2", in -> F.maxPool2d(in[0], 2, 2, 0), distinct(2, 0.03f, 1, 3, 6, 4));
        check("avgpool 3x3 s2 p1", in -> F.avgPool2d(in[0], 3, 2, 1), randn(3, 2, 2, 7, 6));
        check("avgpool 2x2", in -> F.avgPool2d(in[0], 2, 2, 0), randn(4, 1, 3, 6, 4));
        check("adaptive 1x1", in -> F.adaptiveAvgPool2d(in[0], 1, 1), randn(5, 2, 3, 5, 4));
        check("adaptive 3x2 of 7x5", in -> F.adaptiveAvgPool2d(in[0], 3, 2), randn(6, 2, 2, 7, 5));
    }

    @Test
    void batchNorm() {
        check("bn train 4d", in -> F.batchNorm(in[0], null, null, in[1], in[2], true, 0.1f, 1e-5f),
                randn(1, 3, 4, 3, 2), uniform(2, 0.5f, 1.5f, 4), randn(3, 4));
        check("bn train 2d", in -> F.batchNorm(in[0], Tensor.zeros(5), Tensor.ones(5), in[1], in[2], true, 0.1f, 1e-5f),
                randn(4, 6, 5), uniform(5, 0.5f, 1.5f, 5), randn(6, 5));
        Tensor rm = randn(7, 4), rv = uniform(8, 0.5f, 2f, 4);
        check("bn eval", in -> F.batchNorm(in[0], rm, rv, in[1], in[2], false, 0.1f, 1e-5f),
                randn(9, 2, 4, 3, 3), uniform(10, 0.5f, 1.5f, 4), randn(11, 4));
    }

    @Test
    void softmaxAndLosses() {
        check("softmax last", in -> F.softmax(in[0], -1), randn(1, 3, 5));
        check("softmax axis1 of 3d", in -> F.softmax(in[0], 1), randn(2, 2, 4, 3));
        check("log_softmax", in -> F.logSoftmax(in[0], 1), randn(3, 4, 6));
        check("log_softmax axis0", in -> F.logSoftmax(in[0], 0), randn(4, 5, 3));
        Tensor target = Tensor.of(new float[] {0, 3, 2, 1, 3}, 5);
        check("cross_entropy", in -> F.crossEntropy(in[0], target), randn(5, 5, 4));
        check("mse_loss", in -> F.mseLoss(in[0], in[1]), randn(6, 3, 4), randn(7, 3, 4));
        Tensor idx = Tensor.of(new float[] {1, 0, 2, 2, 1, 0}, 2, 1, 3);
        check("gather", in -> F.gather(in[0], 1, idx), randn(8, 2, 3, 3));
    }
}

/**
 * The differentiable ops behind {@link org.jvicreg.engine.Tensor}'s methods and {@link org.jvicreg.engine.F}:
 * one file per family, each op's forward and backward side by side, all written against the
 * {@link org.jvicreg.engine.backend.Backend} SPI so that the CPU and CUDA backends share them.
 *
 * <h2>How an op is built</h2>
 * An op computes its output with backend primitives (unrecorded), then hands it to
 * {@link org.jvicreg.engine.Autograd#record} with its inputs and a backward function from the upstream
 * gradient to one gradient per input (null for an input that needs none). The backward function is a
 * lambda, and the tensors it names are exactly what autograd keeps alive until backward: name the output
 * where the rule reads it (exp, sigmoid), the input where it reads that (log, relu), neither where it
 * needs only shapes (sum, reshape). {@link org.jvicreg.engine.ops.Pointwise#recorded} is that call for
 * one input; {@code Pointwise.sigmoid} is the pattern in three lines.
 *
 * <h2>Adding one</h2>
 * <ol>
 *   <li>If existing ops express it, write it with them (its gradient comes for free) and stop here;
 *       a fused primitive is worth adding only where the composition is measurably slow or holds too
 *       much memory (the VICReg loss, batch norm with add + ReLU).</li>
 *   <li>A new elementwise function: a constant in {@link org.jvicreg.engine.backend.UnaryOp} (or
 *       {@code BinaryOp}) whose {@code apply} is the scalar definition every backend must match (the CPU
 *       runs it where it has no vector loop); the same name at the same position in
 *       {@code native-kernels/src/common.cuh}'s enum (KernelSignaturesTest checks the order) and its case
 *       in {@code elementwise.cu}; then {@code native-kernels/build.sh}, whose committed outputs
 *       KernelSourcesTest checks against the sources.</li>
 *   <li>A new primitive: a method on {@code Backend}, implemented by {@code cpu.CpuBackend} and
 *       {@code cuda.CudaBackend} (a kernel in {@code native-kernels/src} and its entry in
 *       {@code cuda.Kernel}'s launch table). Outputs that the kernel writes in full are allocated with
 *       {@link org.jvicreg.engine.Tensor#uninitialized}: the tests fill those with NaN on both backends,
 *       so an element left unwritten fails.</li>
 *   <li>Tests: the gradient against central finite differences ({@code GradientTest}); the forward and
 *       gradient against PyTorch where PyTorch computes the same thing (a case in
 *       {@code fixtures/torch/make_fixtures.py} and {@code TorchParityTest}, relative error at most
 *       1e-4); a new primitive against the CPU backend on the emulated device ({@code CudaBackendTest},
 *       which runs the real kernels compiled for the host where no GPU is).</li>
 * </ol>
 */
package org.jvicreg.engine.ops;

package org.jvicreg.engine;

/**
 * One vertex of the autograd graph. Either an op's node, made by {@link Autograd#record}: the function
 * that maps the gradient of the op's output to the gradients of its inputs, and for each input the node
 * its gradient goes on to; or a leaf's node, made once per leaf that requires grad, where gradients
 * arrive to be summed into the leaf's {@code grad}.
 *
 * <p>The graph points at nodes, not at the tensors that flowed between them: an op's output stays alive
 * only as long as something holds it (the caller, or a backward function that saved it), as in PyTorch.
 * Holding the input tensors would keep every intermediate until backward, also those that no backward
 * function reads (in a ResNet, the downsample branches' batch-norm outputs, which the residual add needs
 * only for their shape).
 */
public final class Node {
    /** Maps d(loss)/d(output) to d(loss)/d(input_i) for each input (null where an input needs none). */
    @FunctionalInterface
    public interface Backward {
        Tensor[] apply(Tensor gradOutput);
    }

    final String op;
    /** The shape of the op's output (a leaf's shape): every gradient arriving here has it. */
    final int[] shape;
    /** Where each input's gradient goes (null for an input that needs none); null once freed. */
    Node[] next;
    /** The op's backward function; null for a leaf, and once freed. */
    Backward backward;
    /** The tensor whose grad this node accumulates; null for an op's node. */
    final Tensor leaf;

    private Node(String op, int[] shape, Node[] next, Backward backward, Tensor leaf) {
        this.op = op;
        this.shape = shape;
        this.next = next;
        this.backward = backward;
        this.leaf = leaf;
    }

    static Node op(String op, int[] shape, Node[] next, Backward backward) {
        return new Node(op, shape, next, backward, null);
    }

    static Node leaf(Tensor t) {
        return new Node("leaf", t.shape(), new Node[0], null, t);
    }

    public String op() {
        return op;
    }

    boolean freed() {
        return leaf == null && backward == null;
    }

    /** Drops the backward function and its saved tensors so their memory can be reclaimed. */
    void free() {
        if (leaf != null) return;
        next = null;
        backward = null;
    }
}

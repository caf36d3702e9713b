package org.jvicreg.engine;

/**
 * One recorded op in the autograd graph: the inputs it read and the function that maps the gradient
 * of its output to the gradients of those inputs. Created by {@link Autograd#record}.
 */
public final class Node {
    /** Maps d(loss)/d(output) to d(loss)/d(input_i) for each input (null where an input needs none). */
    @FunctionalInterface
    public interface Backward {
        Tensor[] apply(Tensor gradOutput);
    }

    final String op;
    Tensor[] inputs;
    Backward backward;

    Node(String op, Tensor[] inputs, Backward backward) {
        this.op = op;
        this.inputs = inputs;
        this.backward = backward;
    }

    public String op() {
        return op;
    }

    boolean freed() {
        return backward == null;
    }

    /** Drops the saved tensors so the graph's memory can be reclaimed. */
    void free() {
        inputs = null;
        backward = null;
    }
}

package org.jvicreg.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/** Define-by-run reverse-mode differentiation: recording ops and walking the graph back once. */
public final class Autograd {
    private Autograd() {}

    /**
     * Attaches a backward function to {@code out} when recording is on and any input requires grad;
     * returns {@code out}. Each op calls this right after computing its forward result. The graph keeps
     * no reference to the inputs (see {@link Node}): what the backward function needs, it captures.
     */
    public static Tensor record(String op, Tensor out, Node.Backward backward, Tensor... inputs) {
        if (!Grad.isEnabled()) return out;
        Node[] next = new Node[inputs.length];
        boolean any = false;
        for (int i = 0; i < inputs.length; i++) {
            next[i] = inputs[i] == null ? null : inputs[i].gradientNode();
            any |= next[i] != null;
        }
        if (!any) return out;
        out.gradFn = Node.op(op, out.shape(), next, backward);
        out.requiresGrad = true;
        return out;
    }

    /**
     * Back-propagates {@code seed} (d loss / d root) through the graph below {@code root}, accumulating
     * into the {@code grad} of every leaf that requires grad. Unless {@code retainGraph}, the graph is
     * freed as it is walked.
     */
    static void backward(Tensor root, Tensor seed, boolean retainGraph) {
        Node start = root.gradientNode();
        if (start == null) {
            throw new IllegalStateException("backward: the tensor does not require grad and has no grad_fn "
                    + "(did you compute it under Grad.off() or from tensors without requiresGrad?)");
        }
        if (!Arrays.equals(seed.shape(), root.shape())) {
            throw new IllegalArgumentException("backward: gradient shape " + Shape.str(seed.shape())
                    + " does not match the tensor's shape " + Shape.str(root.shape()));
        }
        List<Node> order = topologicalOrder(start);
        IdentityHashMap<Node, Tensor> grads = new IdentityHashMap<>();
        grads.put(start, seed);
        GradientRecycler recycler = GradientRecycler.begin();
        recycler.waits(seed);
        List<Tensor> done = new ArrayList<>();
        try (var g = Grad.off()) {
            for (int i = order.size() - 1; i >= 0; i--) {
                Node node = order.get(i);
                Tensor grad = grads.remove(node);
                if (grad == null) continue;
                recycler.consumed(grad);
                if (node.leaf != null) {
                    Tensor t = node.leaf;
                    if (t.grad == null) {
                        t.grad = grad;
                        recycler.kept(grad);
                    } else {
                        t.grad = t.grad.add(grad);
                        recycler.recycleIfDone(grad);
                    }
                    if (t.gradientReady != null) t.gradientReady.accept(t);
                    continue;
                }
                if (node.freed()) {
                    throw new IllegalStateException("backward: the graph through '" + node.op
                            + "' was already freed by an earlier backward(); pass retainGraph=true to keep it");
                }
                Tensor[] inputGrads = node.backward.apply(grad);
                done.add(grad);
                for (int j = 0; j < node.next.length; j++) {
                    Node in = node.next[j];
                    Tensor gj = j < inputGrads.length ? inputGrads[j] : null;
                    if (gj == null) continue;
                    done.add(gj); // recycled below unless it (or a sum holding it) waits for its input
                    if (in == null) continue;
                    if (!Arrays.equals(gj.shape(), in.shape)) {
                        throw new IllegalStateException("backward of '" + node.op + "': gradient for input " + j
                                + " has shape " + Shape.str(gj.shape()) + " but the input has shape "
                                + Shape.str(in.shape));
                    }
                    Tensor prev = grads.get(in);
                    Tensor sum = prev == null ? gj : prev.add(gj);
                    if (prev != null) {
                        recycler.consumed(prev);
                        done.add(prev);
                    }
                    grads.put(in, sum);
                    recycler.waits(sum);
                }
                for (Tensor d : done) recycler.recycleIfDone(d);
                done.clear();
                if (!retainGraph) node.free();
            }
        } finally {
            recycler.end();
        }
    }

    /** Nodes reachable from root, each after all of its inputs' nodes (iterative, so deep nets are fine). */
    private static List<Node> topologicalOrder(Node root) {
        List<Node> order = new ArrayList<>();
        Set<Node> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        visited.add(root);
        stack.push(new Object[] {root, 0});
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Node node = (Node) frame[0];
            int next = (Integer) frame[1];
            Node[] inputs = node.freed() ? new Node[0] : node.next;
            if (next < inputs.length) {
                frame[1] = next + 1;
                Node in = inputs[next];
                if (in != null && visited.add(in)) stack.push(new Object[] {in, 0});
            } else {
                stack.pop();
                order.add(node);
            }
        }
        return order;
    }
}

package org.jvicreg.engine.backend;

/**
 * What a kernel reads or writes: a contiguous row-major window of a {@link Storage}, from element
 * {@link #offset()} on, of the given shape. A {@code Tensor} is one (its autograd state is none of a
 * kernel's business), so the backends sit below tensors and know nothing of them.
 */
public interface Operand {
    Storage storage();

    /** The index of the first element in the storage. */
    long offset();

    /** The shape (a copy). */
    int[] shape();

    /** The number of elements. */
    int numel();
}

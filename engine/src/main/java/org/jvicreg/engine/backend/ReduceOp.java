package org.jvicreg.engine.backend;

/**
 * Reductions over the middle axis of an (outer, n, inner) view. ARGMAX writes the index of the first
 * maximum as a float (exact up to 2^24).
 */
public enum ReduceOp {
    SUM,
    MAX,
    MIN,
    ARGMAX
}

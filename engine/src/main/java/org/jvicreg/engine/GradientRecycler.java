package org.jvicreg.engine;

import org.jvicreg.engine.backend.Storage;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * Recycles, during one backward pass, the storage of every gradient the pass made and no longer needs
 * ({@link Storage#recycle}), so the next allocation of that size reuses it. A storage qualifies when
 * <ul>
 *   <li>it was allocated while this pass ran (a new storage through {@link Tensor#fromStorage}), so it is
 *       no seed, activation or parameter;</li>
 *   <li>no gradient still waiting in the pass shares it (an op may hand one gradient, or views of it, to
 *       several inputs: counted per storage);</li>
 *   <li>it never became a leaf's {@code grad}.</li>
 * </ul>
 * Backward functions return their gradients and keep nothing, so a consumed gradient that qualifies is
 * unreachable except through views the pass itself tracks.
 */
final class GradientRecycler {
    private static final ThreadLocal<GradientRecycler> ACTIVE = new ThreadLocal<>();

    /** Held weakly (storages compare by identity), so temporaries a backward function drops stay collectable. */
    private final Set<Storage> made = Collections.newSetFromMap(new WeakHashMap<>());
    private final Map<Storage, Integer> waiting = new IdentityHashMap<>();
    private final GradientRecycler outer;

    private GradientRecycler(GradientRecycler outer) {
        this.outer = outer;
    }

    /** Starts recording this thread's new storages; end() stops. */
    static GradientRecycler begin() {
        GradientRecycler r = new GradientRecycler(ACTIVE.get());
        ACTIVE.set(r);
        return r;
    }

    void end() {
        if (outer == null) ACTIVE.remove();
        else ACTIVE.set(outer);
    }

    /** Called for every new storage. */
    static void allocated(Storage s) {
        GradientRecycler r = ACTIVE.get();
        if (r != null) r.made.add(s);
    }

    /** g is now a gradient waiting to be consumed. */
    void waits(Tensor g) {
        waiting.merge(g.storage(), 1, Integer::sum);
    }

    /** g (waiting before) has been consumed. */
    void consumed(Tensor g) {
        waiting.computeIfPresent(g.storage(), (k, n) -> n == 1 ? null : n - 1);
    }

    /** g became a leaf's grad: its storage is never recycled. */
    void kept(Tensor g) {
        made.remove(g.storage());
    }

    /** Recycles g's storage if this pass made it and nothing waiting shares it. */
    void recycleIfDone(Tensor g) {
        Storage s = g.storage();
        if (!waiting.containsKey(s) && made.remove(s)) s.recycle();
    }
}

package org.jvicreg.engine;

import org.jvicreg.engine.backend.Storage;

import java.lang.ref.WeakReference;
import java.util.ArrayDeque;
import java.util.ArrayList;

/**
 * Deterministic release of memory. {@code try (var scope = Memory.scope()) { ... }} releases, when it
 * closes, every buffer allocated inside it on this thread that is still in use, except those handed out
 * with {@link Scope#keep}, which move to the enclosing scope (or become untracked at the top), and those
 * made {@link #persistent}. On a device the block goes back to the caching allocator; on the CPU the array
 * goes back for reuse by the next allocation of its length, so a training loop with a scope per step
 * allocates no new activation arrays after its first two steps where the heap has room to keep them (the
 * pool holds them softly; in a heap no larger than the step's peak the collector takes most of them;
 * bench/RESULTS.md). Either way a tensor used
 * after its scope closed throws. A scope holds CPU buffers weakly ({@link Storage#collectableInScope}): one
 * that becomes unreachable before the scope closes (a temporary of the forward pass that no backward function
 * reads) is left to the garbage collector, as buffers made outside every scope are, so a scope does not raise
 * the memory a step needs on the CPU. Device buffers are held until the scope closes.
 */
public final class Memory {
    private static final ThreadLocal<ArrayDeque<Scope>> SCOPES = ThreadLocal.withInitial(ArrayDeque::new);

    private Memory() {}

    public static Scope scope() {
        Scope s = new Scope();
        SCOPES.get().push(s);
        return s;
    }

    /**
     * Takes t's storage out of every scope open on this thread, so that it outlives them (until the
     * garbage collector finds it unreachable): for state that persists across steps but may first be
     * created inside one, such as an optimizer's momentum buffers. Returns t.
     */
    public static Tensor persistent(Tensor t) {
        if (t != null) {
            for (Scope s : SCOPES.get()) s.remove(t.storage());
        }
        return t;
    }

    /** Called by tensor factories for every new storage. */
    static void track(Storage storage) {
        if (!storage.needsRelease()) return;
        Scope s = SCOPES.get().peek();
        if (s != null) s.add(storage);
    }

    public static final class Scope implements AutoCloseable {
        /**
         * The storages made inside this scope: device buffers held strongly, CPU arrays weakly (cleared
         * references are dropped as the list grows).
         */
        private final ArrayList<Held> owned = new ArrayList<>();
        private int compactAt = 64;
        private boolean closed;

        private Scope() {}

        private void add(Storage storage) {
            if (owned.size() >= compactAt) {
                owned.removeIf(h -> h.get() == null);
                compactAt = Math.max(64, 2 * owned.size());
            }
            owned.add(storage.collectableInScope() ? new Held(null, new WeakReference<>(storage)) : new Held(storage, null));
        }

        /** Stops tracking storage; whether it was tracked here. */
        private boolean remove(Storage storage) {
            for (int i = owned.size() - 1; i >= 0; i--) {
                if (owned.get(i).get() == storage) {
                    owned.remove(i);
                    return true;
                }
            }
            return false;
        }

        /** Hands t (and every tensor sharing its storage) out of this scope; returns t. */
        public Tensor keep(Tensor t) {
            if (t != null && remove(t.storage())) {
                ArrayDeque<Scope> stack = SCOPES.get();
                Scope parent = null;
                boolean below = false;
                for (Scope s : stack) {
                    if (below) {
                        parent = s;
                        break;
                    }
                    if (s == this) below = true;
                }
                if (parent != null) parent.add(t.storage());
            }
            return t;
        }

        /** Number of buffers this scope would release now (those still in use). */
        public int size() {
            int n = 0;
            for (Held h : owned) if (h.get() != null) n++;
            return n;
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            ArrayDeque<Scope> stack = SCOPES.get();
            if (stack.peek() != this) {
                throw new IllegalStateException("Memory scopes must close in the reverse order they were opened");
            }
            stack.pop();
            for (Held h : owned) {
                Storage s = h.get();
                if (s != null) s.release();
            }
            owned.clear();
        }
    }

    /** A storage a scope tracks, held strongly or weakly. */
    private record Held(Storage strong, WeakReference<Storage> weak) {
        Storage get() {
            return strong != null ? strong : weak.get();
        }
    }
}

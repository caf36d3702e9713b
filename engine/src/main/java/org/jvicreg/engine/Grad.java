package org.jvicreg.engine;

/**
 * Whether ops record the graph for autograd on this thread. Recording is on by default;
 * {@code try (var g = Grad.off()) { ... }} turns it off for a block (inference, optimizer updates,
 * and every backward pass).
 */
public final class Grad {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private Grad() {}

    public static boolean isEnabled() {
        return ENABLED.get()[0];
    }

    /** Disables recording until the returned scope closes, then restores the previous state. */
    public static Scope off() {
        return set(false);
    }

    /** Enables recording until the returned scope closes, then restores the previous state. */
    public static Scope on() {
        return set(true);
    }

    private static Scope set(boolean enabled) {
        boolean[] flag = ENABLED.get();
        boolean previous = flag[0];
        flag[0] = enabled;
        return () -> flag[0] = previous;
    }

    /** A block with a given recording state; closing restores the state before it. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}

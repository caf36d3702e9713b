package org.jvicreg.engine.cuda;

import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;

/**
 * Picks the first provider that opens from an ordered list of candidates (JCublas2 before the FFM
 * binding, say) and keeps, for each one before it, the reason it did not load, so start-up can say
 * which provider runs and why the others did not.
 */
final class ProviderChoice {
    /** Opens a provider; may throw anything, including the Errors of a native library that does not bind. */
    interface Opener<T> {
        T open() throws Throwable;
    }

    record Candidate<T>(String name, Opener<T> opener) {}

    /** The provider that opened, its name, and "name: reason" for each candidate tried before it. */
    record Choice<T>(T provider, String name, List<String> rejected) {
        String describe() {
            if (rejected.isEmpty()) return name;
            return name + " (not " + String.join("; not ", rejected) + ")";
        }
    }

    private ProviderChoice() {}

    /** The first candidate that opens; if none does, an IllegalStateException listing every reason. */
    static <T> Choice<T> first(String what, List<Candidate<T>> candidates) {
        List<String> rejected = new ArrayList<>();
        for (Candidate<T> c : candidates) {
            try {
                T provider = c.opener().open();
                return new Choice<>(provider, c.name(), List.copyOf(rejected));
            } catch (Throwable t) {
                if (t instanceof VirtualMachineError && !(t instanceof OutOfMemoryError)) throw (VirtualMachineError) t;
                rejected.add(c.name() + ": " + reason(t));
            }
        }
        if (candidates.isEmpty()) throw new IllegalStateException("no " + what + " provider is enabled");
        throw new IllegalStateException("no " + what + " provider could be loaded: " + String.join("; ", rejected));
    }

    /** A one-line reason: the root of initialiser and reflection wrappers, with its type when that helps. */
    static String reason(Throwable t) {
        Throwable r = t;
        while ((r instanceof ExceptionInInitializerError || r instanceof InvocationTargetException) && r.getCause() != null) {
            r = r.getCause();
        }
        String msg = r.getMessage();
        boolean plain = r instanceof IllegalStateException || r instanceof CudaError;
        String type = r.getClass().getSimpleName();
        if (msg == null || msg.isBlank()) return type;
        // JCuda's loader reports both of its attempts in one long message; the dynamic linker's own
        // line ("libcublas.so.12: cannot open shared object file") is the one that says why
        String line = msg.lines().filter(l -> l.contains("cannot open shared object file") || l.contains("undefined symbol"))
                .reduce((first, last) -> last).orElse(msg.strip().lines().findFirst().orElse(msg));
        line = line.strip().replaceFirst("^java\\.lang\\.UnsatisfiedLinkError: ", "");
        return plain ? line : type + ": " + line;
    }
}

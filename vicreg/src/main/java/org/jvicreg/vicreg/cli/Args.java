package org.jvicreg.vicreg.cli;

import org.jvicreg.engine.io.Json;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parsed {@code --key value} / {@code --flag} arguments. Typed getters validate and name the option in
 * their errors; {@link #finish()} rejects options no getter asked for, so a typo never passes silently.
 */
public final class Args {
    private final Map<String, String> values = new LinkedHashMap<>();
    /** Every value of each option that may be given more than once, in order. */
    private final Map<String, List<String>> repeated = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();
    private final Set<String> used = new HashSet<>();
    /** The value of a value-taking option given last or followed by another option (compared by identity). */
    private static final String MISSING = new String("<missing>");

    private Args() {}

    /** Parses args; {@code flags} are the options that take no value. */
    public static Args parse(String[] args, Set<String> flags) {
        return parse(args, flags, Set.of());
    }

    /** As {@link #parse(String[], Set)}; the options in {@code repeatable} may be given more than once ({@link #all}). */
    public static Args parse(String[] args, Set<String> flags, Set<String> repeatable) {
        Args a = new Args();
        for (int i = 0; i < args.length; i++) {
            String s = args[i];
            if (s.startsWith("--") && s.length() > 2) {
                String key = s.substring(2);
                String value;
                int eq = key.indexOf('=');
                if (eq >= 0) {
                    value = key.substring(eq + 1);
                    key = key.substring(0, eq);
                } else if (flags.contains(key)) {
                    value = "true";
                } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                    value = args[++i];
                } else {
                    value = MISSING; // an error when a getter asks for it; finish() first names an unknown option
                }
                if (repeatable.contains(key)) {
                    a.repeated.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
                    a.values.putIfAbsent(key, value);
                } else if (a.values.put(key, value) != null) {
                    throw new UsageException("option --" + shown(key) + " given twice");
                }
            } else {
                a.positional.add(s);
            }
        }
        return a;
    }

    /** An option's name as a message shows it: control characters escaped, long names cut. */
    private static String shown(String key) {
        String q = Json.shown(key);
        return q.substring(1, q.length() - 1);
    }

    public boolean has(String key) {
        used.add(key);
        return values.containsKey(key);
    }

    public boolean flag(String key) {
        used.add(key);
        String v = values.get(key);
        if (v == null) return false;
        if (v.equals("true")) return true;
        if (v.equals("false")) return false;
        throw new UsageException("option --" + key + " takes no value (got " + Json.shown(v) + ")");
    }

    public String string(String key, String def) {
        used.add(key);
        return value(key, def);
    }

    public String require(String key) {
        used.add(key);
        String v = value(key, null);
        if (v == null) throw new UsageException("missing required option --" + key);
        return v;
    }

    private String value(String key, String def) {
        String v = values.getOrDefault(key, def);
        if (v == MISSING) throw new UsageException("option --" + key + " needs a value");
        return v;
    }

    public Path path(String key, Path def) {
        String v = string(key, null);
        return v == null ? def : toPath(key, v);
    }

    public Path requirePath(String key) {
        return toPath(key, require(key));
    }

    /** A path the file system can name (no NUL character, for one), else a usage error naming the option. */
    static Path toPath(String key, String v) {
        try {
            return Path.of(v);
        } catch (java.nio.file.InvalidPathException e) {
            throw new UsageException("option --" + key + ": not a valid path (" + e.getReason() + ")");
        }
    }

    public int integer(String key, int def) {
        String v = string(key, null);
        if (v == null) return def;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException("option --" + key + " expects an integer, got " + Json.shown(v));
        }
    }

    public int positiveInteger(String key, int def) {
        int v = integer(key, def);
        if (v <= 0) throw new UsageException("option --" + key + " must be positive, got " + v);
        return v;
    }

    /** An integer that is 0 or more (0 usually meaning "off" or "all", which is then the default, not -1). */
    public int nonNegativeInteger(String key, int def) {
        int v = integer(key, def);
        if (v < 0) throw new UsageException("option --" + key + " must be 0 or more, got " + v);
        return v;
    }

    public long longValue(String key, long def) {
        String v = string(key, null);
        if (v == null) return def;
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException("option --" + key + " expects an integer, got " + Json.shown(v));
        }
    }

    public double number(String key, double def) {
        String v = string(key, null);
        if (v == null) return def;
        try {
            double d = Double.parseDouble(v);
            if (!Double.isFinite(d)) throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException("option --" + key + " expects a finite number, got " + Json.shown(v));
        }
    }

    /** One of the allowed words. */
    public String choice(String key, String def, List<String> allowed) {
        return choice(key, def, allowed.toArray(String[]::new));
    }

    /** One of the allowed words. */
    public String choice(String key, String def, String... allowed) {
        String v = string(key, def);
        if (v == null) return null;
        for (String a : allowed) if (a.equals(v)) return v;
        throw new UsageException("option --" + key + " must be one of " + String.join(", ", allowed) + ", got " + Json.shown(v));
    }

    /**
     * --device, the device every command that computes takes: "cpu" (the default) or "cuda", for Device.of;
     * with it --cuda-libs, directories searched first for cuBLAS and cuDNN (the jvicreg.cuda.libs property).
     */
    public String device() {
        String device = choice("device", "cpu", "cpu", "cuda");
        if (has("cuda-libs")) {
            if (!device.equals("cuda")) throw new UsageException("--cuda-libs needs --device cuda");
            // read when the CUDA backend first starts, which is after the command line is parsed
            System.setProperty(org.jvicreg.engine.cuda.CudaOptions.LIBS_PROPERTY, string("cuda-libs", ""));
        }
        return device;
    }

    /** " (did you mean --x?)" for the known option nearest to an unknown one, if any is within two edits. */
    private String suggestion(String unknown) {
        String best = null;
        int bestDistance = 3;
        for (String known : used) {
            int d = editDistance(unknown, known);
            if (d < bestDistance) {
                best = known;
                bestDistance = d;
            }
        }
        return best == null ? "" : " (did you mean --" + best + "?)";
    }

    /** Levenshtein distance: insertions, deletions and substitutions. */
    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(substitute, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** Every value of a repeatable option, in the order given (empty when absent). */
    public List<String> all(String key) {
        used.add(key);
        List<String> out = new ArrayList<>();
        for (String v : repeated.getOrDefault(key, List.of())) {
            if (v == MISSING) throw new UsageException("option --" + key + " needs a value");
            out.add(v);
        }
        return out;
    }

    /**
     * The options no getter has asked about yet, in the order given (a flag's value is "true"), now counted as
     * asked: for a command that hands them on to another.
     */
    public Map<String, String> rest() {
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : values.entrySet()) {
            if (used.contains(e.getKey())) continue;
            if (e.getValue() == MISSING) throw new UsageException("option --" + shown(e.getKey()) + " needs a value");
            out.put(e.getKey(), e.getValue());
            used.add(e.getKey());
        }
        return out;
    }

    public List<String> positional() {
        return positional;
    }

    /** Throws for options no getter asked about, and for stray positional words. */
    public void finish() {
        for (String k : values.keySet()) {
            if (!used.contains(k)) throw new UsageException("unknown option --" + shown(k) + suggestion(k));
        }
        if (!positional.isEmpty()) throw new UsageException("unexpected argument " + Json.shown(positional.get(0)));
    }
}

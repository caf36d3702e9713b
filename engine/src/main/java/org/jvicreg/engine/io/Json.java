package org.jvicreg.engine.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON reader and writer (objects become LinkedHashMaps in file order, arrays Lists, numbers
 * Doubles or Longs), enough for safetensors headers, metrics lines and run configs.
 *
 * <p>The reader treats its text as hostile: arrays and objects nest at most {@link #MAX_DEPTH} deep (the
 * parser recurses once per level, so deeper input would overflow the stack), an object may not repeat a
 * key (which of two values would win is undefined; here neither does), and every failure is one
 * IllegalArgumentException whose one-line message names the input, the offset and what is wrong.
 */
public final class Json {
    /** How deep arrays and objects may nest. */
    public static final int MAX_DEPTH = 512;
    private static final String HEX = "0123456789abcdef";

    private final String source;
    private final String s;
    private int pos;
    private int depth;

    private Json(String source, String s) {
        this.source = source;
        this.s = s;
    }

    /** Parses one JSON value; throws IllegalArgumentException with the offset on malformed input. */
    public static Object parse(String text) {
        return parse(null, text);
    }

    /**
     * Parses one JSON value read from {@code source} (a file name, or e.g. "runs/x/metrics.jsonl line 3"),
     * which starts the message of the IllegalArgumentException thrown on malformed input; null for none.
     */
    public static Object parse(String source, String text) {
        Json p = new Json(source, text);
        p.ws();
        Object v = p.value();
        p.ws();
        if (p.pos != p.s.length()) throw p.error("trailing characters");
        return v;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException((source == null ? "" : source + ": ") + "malformed JSON at offset " + pos + ": " + what);
    }

    private void enter() {
        if (++depth > MAX_DEPTH) throw error("arrays and objects nest deeper than " + MAX_DEPTH + " levels");
    }

    private void ws() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
    }

    private Object value() {
        if (pos >= s.length()) throw error("unexpected end");
        char c = s.charAt(pos);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> number();
        };
    }

    private Object literal(String word, Object v) {
        if (!s.startsWith(word, pos)) throw error("expected " + word);
        pos += word.length();
        return v;
    }

    private Map<String, Object> object() {
        enter();
        Map<String, Object> m = new LinkedHashMap<>();
        pos++;
        ws();
        if (pos < s.length() && s.charAt(pos) == '}') {
            pos++;
            depth--;
            return m;
        }
        while (true) {
            ws();
            if (pos >= s.length() || s.charAt(pos) != '"') throw error("expected a key");
            int keyAt = pos;
            String k = string();
            if (m.containsKey(k)) {
                pos = keyAt;
                throw error("duplicate key " + shown(k));
            }
            ws();
            if (pos >= s.length() || s.charAt(pos) != ':') throw error("expected ':'");
            pos++;
            ws();
            m.put(k, value());
            ws();
            if (pos >= s.length()) throw error("unexpected end in object");
            char c = s.charAt(pos++);
            if (c == '}') {
                depth--;
                return m;
            }
            if (c != ',') throw error("expected ',' or '}'");
        }
    }

    private List<Object> array() {
        enter();
        List<Object> a = new ArrayList<>();
        pos++;
        ws();
        if (pos < s.length() && s.charAt(pos) == ']') {
            pos++;
            depth--;
            return a;
        }
        while (true) {
            ws();
            a.add(value());
            ws();
            if (pos >= s.length()) throw error("unexpected end in array");
            char c = s.charAt(pos++);
            if (c == ']') {
                depth--;
                return a;
            }
            if (c != ',') throw error("expected ',' or ']'");
        }
    }

    private String string() {
        StringBuilder b = new StringBuilder();
        pos++;
        while (true) {
            if (pos >= s.length()) throw error("unterminated string");
            char c = s.charAt(pos++);
            if (c == '"') return b.toString();
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (pos >= s.length()) throw error("unterminated escape");
            char e = s.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    int code = 0;
                    for (int i = 0; i < 4; i++) {
                        int digit = pos + i < s.length() ? HEX.indexOf(Character.toLowerCase(s.charAt(pos + i))) : -1;
                        if (digit < 0) throw error("bad \\u escape (expected 4 hex digits)");
                        code = code * 16 + digit;
                    }
                    b.append((char) code);
                    pos += 4;
                }
                default -> throw error("bad escape " + shown("\\" + e));
            }
        }
    }

    private Object number() {
        int start = pos;
        while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) pos++;
        String t = s.substring(start, pos);
        if (t.isEmpty()) throw error("unexpected character " + shown(String.valueOf(s.charAt(start))));
        try {
            if (t.indexOf('.') < 0 && t.indexOf('e') < 0 && t.indexOf('E') < 0) return Long.parseLong(t);
            return Double.parseDouble(t);
        } catch (NumberFormatException ex) {
            throw error("bad number " + shown(t));
        }
    }

    /** Serialises maps, lists, strings, numbers, booleans and null; non-finite numbers become null. */
    public static String write(Object v) {
        StringBuilder b = new StringBuilder();
        write(b, v);
        return b.toString();
    }

    private static void write(StringBuilder b, Object v) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof String str) {
            quote(b, str);
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (!Double.isFinite(d)) b.append("null");
            else if (d == Math.rint(d) && Math.abs(d) < 1e15) b.append((long) d).append(".0");
            else b.append(v instanceof Float f ? Float.toString(f) : Double.toString(d));
        } else if (v instanceof Number || v instanceof Boolean) {
            b.append(v);
        } else if (v instanceof Map<?, ?> m) {
            b.append('{');
            boolean first = true;
            for (var e : m.entrySet()) {
                if (!first) b.append(',');
                first = false;
                quote(b, String.valueOf(e.getKey()));
                b.append(':');
                write(b, e.getValue());
            }
            b.append('}');
        } else if (v instanceof List<?> l) {
            b.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) b.append(',');
                write(b, l.get(i));
            }
            b.append(']');
        } else {
            throw new IllegalArgumentException("cannot write " + v.getClass() + " as JSON");
        }
    }

    /**
     * Text from outside for a one-line message: in single quotes, control and line-separator characters
     * escaped, cut to its first 100 characters.
     */
    public static String shown(String s) {
        StringBuilder b = new StringBuilder("'");
        escape(b, s.length() <= 100 ? s : s.substring(0, 100));
        if (s.length() > 100) b.append("...");
        return b.append('\'').toString();
    }

    private static void quote(StringBuilder b, String s) {
        b.append('"');
        escape(b, s);
        b.append('"');
    }

    private static void escape(StringBuilder b, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029') b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
    }
}

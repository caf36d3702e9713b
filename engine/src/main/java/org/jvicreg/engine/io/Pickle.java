package org.jvicreg.engine.io;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A restricted reader of Python's pickle format (protocols 2 to 5), for the data of PyTorch checkpoints. It
 * executes nothing: it builds dicts ({@link LinkedHashMap}), lists ({@link ArrayList}), tuples (unmodifiable
 * lists), strings, integers ({@link Long}, or {@link BigInteger} past 64 bits), floats ({@link Double}),
 * booleans, None (null) and bytes, and hands every reference to a Python global, every call (REDUCE, NEWOBJ),
 * every BUILD and every persistent id to a {@link Host} that decides what they mean or refuses them.
 *
 * <p>Memory is bounded by the input: each opcode pushes at most one object, and every length read from the
 * input is checked against the bytes that remain before anything is allocated. The reader has no recursion.
 */
final class Pickle {
    /** What the pickle's references to the outside world become. */
    interface Host {
        /** The object a GLOBAL or STACK_GLOBAL pushes for module.name (a reference, not yet a call). */
        Object global(String module, String name) throws IOException;

        /** REDUCE and NEWOBJ: callable applied to args, or an IOException refusing it. */
        Object call(Object callable, List<Object> args) throws IOException;

        /** BUILD: obj given its state (what pickle passes to __setstate__), or an IOException refusing it. */
        Object build(Object obj, Object state) throws IOException;

        /** BINPERSID: the object a persistent id stands for. */
        Object persistent(Object pid) throws IOException;
    }

    private static final Object MARK = new Object();

    private final String name;
    private final ByteBuffer in;
    private final Host host;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private Pickle(String name, byte[] data, Host host) {
        this.name = name;
        this.in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        this.host = host;
    }

    /** The object the pickle in {@code data} describes; {@code name} (the file and entry) starts every error. */
    static Object load(String name, byte[] data, Host host) throws IOException {
        return new Pickle(name, data, host).run();
    }

    private Object run() throws IOException {
        while (true) {
            if (!in.hasRemaining()) throw error("truncated (no STOP opcode)");
            int at = in.position(), op = in.get() & 0xff;
            switch (op) {
                case 0x80 -> { // PROTO
                    int proto = u8();
                    if (proto < 2 || proto > 5) throw error("pickle protocol " + proto + " (this reader takes 2 to 5)");
                }
                case 0x95 -> bytes(8); // FRAME: a length hint, the frame's opcodes follow inline
                case 0x2e -> { // STOP
                    if (stack.size() != 1 || !marks.isEmpty()) throw error("STOP with " + stack.size() + " objects on the stack");
                    return stack.getFirst();
                }
                case 0x28 -> { // MARK
                    marks.add(stack.size());
                    stack.add(MARK);
                }
                case 0x7d -> stack.add(new LinkedHashMap<>()); // EMPTY_DICT
                case 0x5d -> stack.add(new ArrayList<>()); // EMPTY_LIST
                case 0x29 -> stack.add(List.of()); // EMPTY_TUPLE
                case 0x8f -> stack.add(new ArrayList<>()); // EMPTY_SET (as a list)
                case 0x4e -> stack.add(null); // NONE
                case 0x88 -> stack.add(Boolean.TRUE); // NEWTRUE
                case 0x89 -> stack.add(Boolean.FALSE); // NEWFALSE
                case 0x4a -> stack.add((long) in.getInt(checked(4))); // BININT
                case 0x4b -> stack.add((long) u8()); // BININT1
                case 0x4d -> stack.add((long) (in.getShort(checked(2)) & 0xffff)); // BININT2
                case 0x8a -> stack.add(longN(u8())); // LONG1
                case 0x8b -> stack.add(longN(length(4))); // LONG4
                case 0x47 -> stack.add(Double.longBitsToDouble(Long.reverseBytes(in.getLong(checked(8))))); // BINFLOAT, big-endian
                case 0x58 -> stack.add(utf8(length(4))); // BINUNICODE
                case 0x8c -> stack.add(utf8(u8())); // SHORT_BINUNICODE
                case 0x8d -> stack.add(utf8(length(8))); // BINUNICODE8
                case 0x55 -> stack.add(latin1(u8())); // SHORT_BINSTRING
                case 0x54 -> stack.add(latin1(length(4))); // BINSTRING
                case 0x43 -> stack.add(bytes(u8())); // SHORT_BINBYTES
                case 0x42 -> stack.add(bytes(length(4))); // BINBYTES
                case 0x8e -> stack.add(bytes(length(8))); // BINBYTES8
                case 0x74 -> stack.add(Collections.unmodifiableList(popMark())); // TUPLE
                case 0x85 -> stack.add(nullable(pop())); // TUPLE1
                case 0x86 -> tuple(2); // TUPLE2
                case 0x87 -> tuple(3); // TUPLE3
                case 0x61 -> { // APPEND
                    Object v = pop();
                    list(peek()).add(v);
                }
                case 0x65 -> { // APPENDS
                    List<Object> items = popMark();
                    list(peek()).addAll(items);
                }
                case 0x90 -> { // ADDITEMS
                    List<Object> items = popMark();
                    list(peek()).addAll(items);
                }
                case 0x91 -> stack.add(Collections.unmodifiableList(popMark())); // FROZENSET (as a list)
                case 0x73 -> { // SETITEM
                    Object v = pop(), k = pop();
                    dict(peek()).put(key(k), v);
                }
                case 0x75 -> { // SETITEMS
                    List<Object> items = popMark();
                    if (items.size() % 2 != 0) throw error("SETITEMS with an odd number of items");
                    Map<Object, Object> d = dict(peek());
                    for (int i = 0; i < items.size(); i += 2) d.put(key(items.get(i)), items.get(i + 1));
                }
                case 0x71 -> memo.put((long) u8(), peek()); // BINPUT
                case 0x72 -> memo.put(in.getInt(checked(4)) & 0xffffffffL, peek()); // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
                case 0x68 -> stack.add(memo((long) u8())); // BINGET
                case 0x6a -> stack.add(memo(in.getInt(checked(4)) & 0xffffffffL)); // LONG_BINGET
                case 0x63 -> { // GLOBAL
                    String module = line(), qualified = line();
                    stack.add(host.global(module, qualified));
                }
                case 0x93 -> { // STACK_GLOBAL
                    Object qualified = pop(), module = pop();
                    if (!(module instanceof String m) || !(qualified instanceof String q)) throw error("STACK_GLOBAL of non-strings");
                    stack.add(host.global(m, q));
                }
                case 0x52 -> { // REDUCE
                    Object args = pop(), callable = pop();
                    stack.add(host.call(callable, tupleArgs(args, "REDUCE")));
                }
                case 0x81 -> { // NEWOBJ
                    Object args = pop(), cls = pop();
                    stack.add(host.call(cls, tupleArgs(args, "NEWOBJ")));
                }
                case 0x62 -> { // BUILD
                    Object state = pop(), obj = pop();
                    stack.add(host.build(obj, state));
                }
                case 0x51 -> stack.add(host.persistent(pop())); // BINPERSID
                default -> throw error(String.format("unsupported pickle opcode 0x%02x at byte %d", op, at));
            }
        }
    }

    private IOException error(String what) {
        return new IOException(name + ": " + what);
    }

    /** The position of the next n bytes, checked to exist; the buffer moves past them. */
    private int checked(int n) throws IOException {
        if (in.remaining() < n) throw error("truncated (" + n + " bytes wanted at byte " + in.position() + ", " + in.remaining() + " left)");
        int at = in.position();
        in.position(at + n);
        return at;
    }

    private int u8() throws IOException {
        return in.get(checked(1)) & 0xff;
    }

    /** A length of {@code width} bytes, checked against the bytes that remain. */
    private int length(int width) throws IOException {
        long n = width == 4 ? in.getInt(checked(4)) & 0xffffffffL : in.getLong(checked(8));
        if (n < 0 || n > in.remaining()) {
            throw error("a length of " + Long.toUnsignedString(n) + " bytes at byte " + (in.position() - width)
                    + " exceeds the " + in.remaining() + " that remain");
        }
        return (int) n;
    }

    private byte[] bytes(int n) throws IOException {
        int at = checked(n);
        byte[] b = new byte[n];
        in.get(at, b);
        return b;
    }

    private String utf8(int n) throws IOException {
        return new String(bytes(n), StandardCharsets.UTF_8);
    }

    private String latin1(int n) throws IOException {
        return new String(bytes(n), StandardCharsets.ISO_8859_1);
    }

    /** A newline-terminated line (GLOBAL's operands). */
    private String line() throws IOException {
        int start = in.position();
        for (int i = start; i < in.limit(); i++) {
            if (in.get(i) == '\n') {
                String s = new String(bytes(i - start), StandardCharsets.UTF_8);
                checked(1);
                return s;
            }
        }
        throw error("truncated GLOBAL at byte " + start);
    }

    /** LONG1/LONG4: n bytes of little-endian two's complement. */
    private Object longN(int n) throws IOException {
        byte[] le = bytes(n);
        if (n == 0) return 0L;
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) be[i] = le[n - 1 - i];
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private Object pop() throws IOException {
        if (stack.isEmpty()) throw error("stack underflow");
        Object v = stack.removeLast();
        if (v == MARK) throw error("a MARK where an object was expected");
        return v;
    }

    private Object peek() throws IOException {
        if (stack.isEmpty() || stack.getLast() == MARK) throw error("stack underflow");
        return stack.getLast();
    }

    /** The objects above the last MARK, which goes too. */
    private List<Object> popMark() throws IOException {
        if (marks.isEmpty()) throw error("no MARK to pop to");
        int m = marks.removeLast();
        List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    private void tuple(int n) throws IOException {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) items[i] = pop();
        stack.add(Collections.unmodifiableList(java.util.Arrays.asList(items)));
    }

    /** A one-element tuple that may hold None. */
    private static List<Object> nullable(Object v) {
        return Collections.unmodifiableList(java.util.Arrays.asList(v));
    }

    private Object memo(long key) throws IOException {
        if (!memo.containsKey(key)) throw error("memo key " + key + " was never stored");
        return memo.get(key);
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) throws IOException {
        if (o instanceof ArrayList<?> l) return (List<Object>) l;
        throw error("APPEND to a " + typeName(o) + ", not a list");
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) throws IOException {
        if (o instanceof LinkedHashMap<?, ?> d) return (Map<Object, Object>) d;
        throw error("SETITEM on a " + typeName(o) + ", not a dict");
    }

    /** A dict key: strings, numbers, booleans, None and tuples of those; a list or dict cannot be hashed. */
    private Object key(Object k) throws IOException {
        if (k instanceof ArrayList<?> || k instanceof Map<?, ?>) throw error("an unhashable " + typeName(k) + " as a dict key");
        return k;
    }

    private List<Object> tupleArgs(Object args, String op) throws IOException {
        if (args instanceof List<?> l && !(args instanceof ArrayList<?>)) {
            @SuppressWarnings("unchecked") List<Object> a = (List<Object>) l;
            return a;
        }
        throw error(op + " with arguments that are a " + typeName(args) + ", not a tuple");
    }

    static String typeName(Object o) {
        return o == null ? "None" : o instanceof ArrayList<?> ? "list" : o instanceof List<?> ? "tuple"
                : o instanceof Map<?, ?> ? "dict" : o.getClass().getSimpleName();
    }
}

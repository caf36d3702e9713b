package org.jvicreg.engine.io;

import org.jvicreg.engine.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * PyTorch checkpoints as {@code torch.save} writes them since PyTorch 1.6: an uncompressed zip archive holding
 * {@code <prefix>/data.pkl} (the pickled object) and {@code <prefix>/data/<key>} (each storage's raw
 * little-endian bytes), whatever the prefix. The pickle is read by {@link Pickle}, which executes nothing;
 * this class says what its references mean, from an allow-list:
 * <ul>
 *   <li>{@code collections.OrderedDict} becomes a {@link LinkedHashMap} (its BUILD state, the
 *       {@code _metadata} of a state dict, is dropped);</li>
 *   <li>tensors rebuilt by {@code torch._utils._rebuild_tensor_v2} (strided views of a storage included)
 *       and {@code _rebuild_parameter} from Float, Half, BFloat16, Double, Long and Int storages become
 *       float32 CPU {@link Tensor}s;</li>
 *   <li>any other global is never called: where the pickle only refers to it as a value (a training
 *       checkpoint's optimizer state naming a {@code __main__} function) it becomes an inert {@link Global};
 *       where the pickle would call or build it (REDUCE, NEWOBJ, BUILD, as {@code os.system} in a malicious
 *       file) reading stops with one line naming it.</li>
 * </ul>
 * Dicts come back as {@link LinkedHashMap}, lists as {@link java.util.ArrayList}, tuples as unmodifiable
 * lists, ints as {@link Long}, floats as {@link Double}. No size read from the file is trusted before it is
 * checked against the archive: a storage's byte count must match its entry's, a tensor may not hold more
 * elements than its storage nor reach past it, and all tensors together no more elements than twice the file's
 * bytes, so memory stays within a small multiple of the file's size.
 * Errors are one {@link IOException} line naming the file (and the entry or tensor).
 */
public final class TorchCheckpoint {
    private TorchCheckpoint() {}

    /** A reference to a Python global that the checkpoint names but that is never called. */
    public record Global(String module, String name) {
        @Override
        public String toString() {
            return module + "." + name;
        }
    }

    /** The first bytes of a pre-1.6 file: a pickled magic number (protocol 2, a LONG1 of 10 bytes). */
    private static final byte[] LEGACY_MAGIC = {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46};

    /** How deep {@link #tensors} follows nested containers (a pickle may even make a container hold itself). */
    static final int MAX_DEPTH = 64;

    /** The object the file holds. */
    public static Object read(Path file) throws IOException {
        String name = file.toString();
        if (!Files.exists(file)) throw new IOException(name + ": no such file");
        if (!Files.isRegularFile(file)) throw new IOException(name + ": not a regular file");
        try (InputStream head = Files.newInputStream(file)) {
            byte[] first = head.readNBytes(LEGACY_MAGIC.length);
            if (java.util.Arrays.equals(first, LEGACY_MAGIC)) {
                throw new IOException(name + ": a PyTorch checkpoint in the format before 1.6 (or saved with "
                        + "_use_new_zipfile_serialization=False), which is not read; load and save it again with torch.save in PyTorch 1.6 or newer");
            }
        } catch (NoSuchFileException e) {
            throw new IOException(name + ": no such file");
        }
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (IOException | IllegalArgumentException e) { // ZipException, EOFException: not a whole zip archive
            throw new IOException(name + ": not a PyTorch checkpoint (not a zip archive, or truncated: " + what(e) + ")");
        }
        try (zip) {
            return new Reader(name, zip, Files.size(file)).load();
        } catch (IOException | IllegalArgumentException e) { // the zip reader throws both on corrupt archives
            // our own errors name the file; the zip reader's (a short entry, a bad header) are said here
            if (e instanceof IOException && e.getMessage() != null && e.getMessage().startsWith(name)) throw (IOException) e;
            throw new IOException(name + ": corrupt archive (" + what(e) + ")");
        }
    }

    /** An exception of the zip reader in words: its type and, where it has one, its message (quoted). */
    private static String what(Exception e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + Json.shown(e.getMessage()));
    }

    /**
     * Every tensor in a checkpoint's object, by its path of dict keys and list indices joined with dots
     * ({@code model.module.backbone.conv1.weight}, {@code optimizer.state.0.mu}), in the file's order.
     */
    public static Map<String, Tensor> tensors(Object root) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        record Item(String path, Object value, int depth) {}
        ArrayDeque<Item> todo = new ArrayDeque<>();
        todo.push(new Item("", root, 0));
        while (!todo.isEmpty()) {
            Item it = todo.pop();
            if (it.value() instanceof Tensor t) {
                out.put(it.path(), t);
                continue;
            }
            if (it.depth() >= MAX_DEPTH) continue;
            List<Item> children = new java.util.ArrayList<>();
            if (it.value() instanceof Map<?, ?> m) {
                for (var e : m.entrySet()) children.add(new Item(join(it.path(), String.valueOf(e.getKey())), e.getValue(), it.depth() + 1));
            } else if (it.value() instanceof List<?> l) {
                for (int i = 0; i < l.size(); i++) children.add(new Item(join(it.path(), Integer.toString(i)), l.get(i), it.depth() + 1));
            }
            for (int i = children.size() - 1; i >= 0; i--) todo.push(children.get(i));
        }
        return out;
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** A storage: its element type and its elements as float32. */
    private record Storage(String type, float[] data) {}

    /** One archive being read: its pickle's host, resolving globals, calls and storages. */
    private static final class Reader implements Pickle.Host {
        private final String name;
        private final ZipFile zip;
        private final String prefix;
        private final long fileLength;
        private final Map<String, Storage> storages = new HashMap<>();
        /** Elements the rebuilt tensors may still take: twice the file's bytes (views may share a storage). */
        private long budget;

        Reader(String name, ZipFile zip, long fileLength) throws IOException {
            this.name = name;
            this.zip = zip;
            this.fileLength = fileLength;
            this.budget = 2 * fileLength;
            String found = null;
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                String n = en.nextElement().getName();
                if (n.endsWith("data.pkl") && (n.equals("data.pkl") || n.endsWith("/data.pkl"))) {
                    if (found != null) throw new IOException(name + ": two pickles in one archive (" + Json.shown(found) + ", " + Json.shown(n) + ")");
                    found = n;
                }
            }
            if (found == null) throw new IOException(name + ": a zip archive without data.pkl, not a PyTorch checkpoint");
            prefix = found.substring(0, found.length() - "data.pkl".length());
            ZipEntry order = zip.getEntry(prefix + "byteorder");
            if (order != null && !new String(entry(order, 16), java.nio.charset.StandardCharsets.US_ASCII).strip().equals("little")) {
                throw new IOException(name + ": a big-endian checkpoint, which is not read");
            }
        }

        Object load() throws IOException {
            ZipEntry pkl = zip.getEntry(prefix + "data.pkl");
            return Pickle.load(name + " (" + Json.shown(pkl.getName()) + ")", entry(pkl, Integer.MAX_VALUE - 8), this);
        }

        /**
         * An entry's bytes, refused past {@code limit}, past what the archive can hold (the file's length for a
         * stored entry, as torch.save writes them; 100 times the compressed size for a deflated one), or where
         * the archive holds fewer than it claims.
         */
        private byte[] entry(ZipEntry e, long limit) throws IOException {
            long size = e.getSize();
            long holds = e.getMethod() == ZipEntry.STORED ? fileLength : 100 * Math.max(0, e.getCompressedSize());
            if (size < 0 || size > limit || size > holds) {
                throw new IOException(name + ": entry " + Json.shown(e.getName()) + " claims " + size + " bytes, more than "
                        + (size > limit ? "the " + limit + " expected" : "the archive can hold"));
            }
            try (InputStream in = zip.getInputStream(e)) {
                byte[] b = in.readNBytes((int) size);
                if (b.length != size || in.read() != -1) {
                    throw new IOException(name + ": entry " + Json.shown(e.getName()) + " holds " + (b.length == size ? "more" : b.length)
                            + " bytes where its header says " + size);
                }
                return b;
            }
        }

        @Override
        public Object global(String module, String qualified) {
            return new Global(module, qualified);
        }

        @Override
        public Object call(Object callable, List<Object> args) throws IOException {
            if (!(callable instanceof Global g)) {
                throw new IOException(name + ": refuses to call a " + Pickle.typeName(callable) + " (only allow-listed globals)");
            }
            return switch (g.toString()) {
                case "collections.OrderedDict" -> {
                    if (!args.isEmpty()) throw new IOException(name + ": OrderedDict built with arguments");
                    yield new LinkedHashMap<>();
                }
                case "torch._utils._rebuild_tensor_v2" -> rebuild(args);
                case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
                    if (args.isEmpty() || !(args.getFirst() instanceof Tensor t)) {
                        throw new IOException(name + ": " + Json.shown(g.toString()) + " without a tensor");
                    }
                    yield t;
                }
                default -> throw new IOException(name + ": refuses to call " + Json.shown(g.toString()) + ", which a state dict or a training "
                        + "checkpoint never calls (the file may be malicious)");
            };
        }

        @Override
        public Object build(Object obj, Object state) throws IOException {
            if (obj instanceof Map<?, ?> || obj instanceof Tensor) return obj; // OrderedDict._metadata, tensor attributes
            throw new IOException(name + ": refuses to set the state of " + (obj instanceof Global g ? Json.shown(g.toString())
                    : "a " + Pickle.typeName(obj)) + " (the file may be malicious)");
        }

        /** ('storage', storage type, key, location, numel): the storage's elements, read once per key. */
        @Override
        public Object persistent(Object pid) throws IOException {
            if (!(pid instanceof List<?> p) || p.size() != 5 || !"storage".equals(p.get(0)) || !(p.get(1) instanceof Global type)
                    || !(p.get(2) instanceof String key) || !(p.get(4) instanceof Long numel)) {
                throw new IOException(name + ": a persistent id that is not a storage: " + Json.shown(String.valueOf(pid)));
            }
            Storage cached = storages.get(key);
            if (cached != null) return cached;
            int width = switch (type.toString()) {
                case "torch.FloatStorage", "torch.IntStorage" -> 4;
                case "torch.HalfStorage", "torch.BFloat16Storage" -> 2;
                case "torch.DoubleStorage", "torch.LongStorage" -> 8;
                default -> throw new IOException(name + ": storage " + Json.shown(key) + " is a " + Json.shown(type.toString())
                        + " (Float, Half, BFloat16, Double, Long and Int storages are read)");
            };
            ZipEntry e = zip.getEntry(prefix + "data/" + key);
            if (e == null) throw new IOException(name + ": storage " + Json.shown(key) + " is missing from the archive");
            if (numel < 0 || numel > (Integer.MAX_VALUE - 8) || numel * width != e.getSize()) {
                throw new IOException(name + ": storage " + Json.shown(key) + " claims " + numel + " elements of " + width
                        + " bytes, its entry holds " + e.getSize() + " bytes");
            }
            ByteBuffer b = ByteBuffer.wrap(entry(e, numel * width)).order(ByteOrder.LITTLE_ENDIAN);
            float[] data = new float[numel.intValue()];
            for (int i = 0; i < data.length; i++) {
                data[i] = switch (type.toString()) {
                    case "torch.FloatStorage" -> b.getFloat();
                    case "torch.IntStorage" -> b.getInt();
                    case "torch.HalfStorage" -> Float.float16ToFloat(b.getShort());
                    case "torch.BFloat16Storage" -> Float.intBitsToFloat((b.getShort() & 0xffff) << 16);
                    case "torch.DoubleStorage" -> (float) b.getDouble();
                    default -> b.getLong(); // LongStorage
                };
            }
            Storage s = new Storage(type.toString(), data);
            storages.put(key, s);
            return s;
        }

        /** _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata]): a float32 copy. */
        private Tensor rebuild(List<Object> args) throws IOException {
            try {
                return rebuildChecked(args);
            } catch (ArithmeticException e) {
                throw new IOException(name + ": a tensor whose size, stride and offset overflow: " + Json.shown(String.valueOf(args.subList(1, 4))));
            }
        }

        private Tensor rebuildChecked(List<Object> args) throws IOException {
            if (args.size() < 4 || !(args.get(0) instanceof Storage s) || !(args.get(1) instanceof Long offset)
                    || !(args.get(2) instanceof List<?> size) || !(args.get(3) instanceof List<?> stride) || size.size() != stride.size()) {
                throw new IOException(name + ": _rebuild_tensor_v2 with arguments that are not (storage, offset, size, stride, ...)");
            }
            int rank = size.size();
            int[] shape = new int[rank];
            long[] step = new long[rank];
            long numel = 1, last = offset;
            for (int i = 0; i < rank; i++) {
                if (!(size.get(i) instanceof Long n) || !(stride.get(i) instanceof Long st) || n < 0 || n > Integer.MAX_VALUE || st < 0) {
                    throw new IOException(name + ": a tensor of size " + Json.shown(String.valueOf(size)) + " and stride "
                        + Json.shown(String.valueOf(stride)));
                }
                shape[i] = n.intValue();
                step[i] = st;
                numel = n == 0 ? 0 : Math.multiplyExact(numel, n);
                if (numel > s.data().length) break;
                if (n > 0) last = Math.addExact(last, Math.multiplyExact(n - 1, st));
            }
            if (numel > s.data().length || (numel > 0 && (offset < 0 || last >= s.data().length))) {
                throw new IOException(name + ": a tensor of size " + Json.shown(String.valueOf(size)) + ", stride "
                        + Json.shown(String.valueOf(stride)) + " and offset " + offset
                        + " reaches past its storage of " + s.data().length + " elements");
            }
            budget -= numel;
            if (budget < 0) {
                throw new IOException(name + ": its tensors hold more than twice as many elements as the file has bytes "
                        + "(the same storage rebuilt again and again)");
            }
            float[] out = new float[(int) numel];
            int[] idx = new int[rank];
            long at = offset;
            for (int k = 0; k < out.length; k++) {
                out[k] = s.data()[(int) at];
                for (int d = rank - 1; d >= 0; d--) {
                    if (++idx[d] < shape[d]) {
                        at += step[d];
                        break;
                    }
                    at -= step[d] * (shape[d] - 1);
                    idx[d] = 0;
                }
            }
            return Tensor.of(out, shape);
        }
    }
}

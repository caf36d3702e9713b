package org.jvicreg.engine.io;

import org.jvicreg.engine.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * safetensors files: an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
 * shape and byte range, then the raw little-endian data. Reads F32, and converts to float32 F16 and
 * BF16 (half-precision checkpoints; exactly, as every half value is a float32 value), F64 (rounded) and
 * I64, I32 (counters such as BatchNorm's num_batches_tracked); writes F32. Errors name the file and the
 * tensor.
 */
public final class SafeTensors {
    private SafeTensors() {}

    /** The longest header read: the safetensors library's own limit. */
    static final long MAX_HEADER = 100_000_000;

    /**
     * The tensors in header order, plus nothing for "__metadata__". Sizes in the header are checked against
     * the file's length before anything is allocated, byte ranges may not overlap (so the tensors take no
     * more memory than the file's data), a key may appear only once, and a pipe is read no further than
     * the header's byte ranges reach.
     */
    public static Map<String, Tensor> read(Path file) throws IOException {
        try (BoundedInput in = BoundedInput.open(file)) {
            return read(in);
        }
    }

    /** The "__metadata__" strings of a file (empty when it has none); reads only the header. */
    public static Map<String, String> metadata(Path file) throws IOException {
        Map<String, Object> header;
        try (BoundedInput in = BoundedInput.open(file)) {
            header = header(in);
        }
        Map<String, String> out = new LinkedHashMap<>();
        if (header.get("__metadata__") instanceof Map<?, ?> m) {
            for (var e : m.entrySet()) out.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> header(BoundedInput in) throws IOException {
        String name = in.name;
        if (in.length() >= 0 && in.length() < 8) throw new IOException(name + ": not a safetensors file (only " + in.length() + " bytes)");
        long n = ByteBuffer.wrap(in.read(8, "header length")).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n <= 0) throw new IOException(name + ": not a safetensors file (header length " + n + ")");
        if (in.remaining() >= 0 && n > in.remaining()) {
            throw new IOException(name + ": header length " + n + " exceeds the file's " + in.length() + " bytes");
        }
        if (n > MAX_HEADER) throw new IOException(name + ": header length " + n + " exceeds the limit of " + MAX_HEADER + " bytes");
        Object h;
        try {
            h = Json.parse(name + ": corrupt header", new String(in.read(n, "header"), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage());
        }
        if (!(h instanceof Map)) throw new IOException(name + ": corrupt header: not a JSON object");
        return (Map<String, Object>) h;
    }

    /** A tensor's header entry, checked: its dtype's element size, shape and byte range. */
    private record Entry(String key, String dtype, int size, int[] shape, long start, long end) {}

    static Map<String, Tensor> read(BoundedInput in) throws IOException {
        String name = in.name;
        Map<String, Object> header = header(in);
        List<Entry> entries = new ArrayList<>();
        for (var e : header.entrySet()) {
            String key = e.getKey();
            if (key.equals("__metadata__")) continue;
            if (!(e.getValue() instanceof Map<?, ?> info)) throw new IOException(name + ": tensor " + Json.shown(key) + ": entry is not an object");
            String dtype = String.valueOf(info.get("dtype"));
            int[] shape = ints(name, key, "shape", info.get("shape"));
            int[] offs = ints(name, key, "data_offsets", info.get("data_offsets"));
            if (offs.length != 2) throw new IOException(name + ": tensor " + Json.shown(key) + ": data_offsets must have 2 entries");
            int size = switch (dtype) {
                case "F16", "BF16" -> 2;
                case "F32", "I32" -> 4;
                case "F64", "I64" -> 8;
                default -> throw new IOException(name + ": tensor " + Json.shown(key) + ": unsupported dtype " + Json.shown(dtype)
                        + " (expected F32; F16, BF16, F64, I64 and I32 are converted)");
            };
            long bytes = BoundedInput.bytesFor(name, "tensor " + Json.shown(key) + ": shape", shape, size);
            if (offs[1] < offs[0]) {
                throw new IOException(name + ": tensor " + Json.shown(key) + ": data_offsets [" + offs[0] + ", " + offs[1] + "] end before they start");
            }
            if ((long) offs[1] - offs[0] != bytes) {
                throw new IOException(name + ": tensor " + Json.shown(key) + ": shape " + Arrays.toString(shape) + " of "
                        + Json.shown(dtype) + " needs " + bytes + " bytes but its data_offsets hold " + ((long) offs[1] - offs[0]));
            }
            entries.add(new Entry(key, dtype, size, shape, offs[0], offs[1]));
        }
        // non-empty ranges may not overlap: the tensors together need no more bytes than the data holds
        List<Entry> byStart = new ArrayList<>(entries);
        byStart.sort(Comparator.comparingLong(Entry::start).thenComparingLong(Entry::end));
        long dataEnd = 0, filledTo = 0;
        Entry last = null, previous = null;
        for (Entry e : byStart) {
            if (e.end() > e.start()) {
                if (e.start() < filledTo) {
                    throw new IOException(name + ": tensor " + Json.shown(e.key()) + ": data_offsets [" + e.start() + ", " + e.end()
                            + ") overlap those of tensor " + Json.shown(previous.key()));
                }
                filledTo = e.end();
                previous = e;
            }
            if (e.end() >= dataEnd) {
                dataEnd = e.end();
                last = e;
            }
        }
        long dataLen = in.remaining();
        if (dataLen >= 0 && dataEnd > dataLen) {
            throw new IOException(name + ": tensor " + Json.shown(last.key()) + ": byte range [" + last.start() + ", " + last.end()
                    + ") lies outside the " + dataLen + " data bytes (truncated file?)");
        }
        ByteBuffer buf = ByteBuffer.wrap(in.read(dataEnd, "data")).order(ByteOrder.LITTLE_ENDIAN);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Entry e : entries) {
            float[] data = new float[(int) ((e.end() - e.start()) / e.size())];
            int base = (int) e.start();
            for (int i = 0; i < data.length; i++) {
                data[i] = switch (e.dtype()) {
                    case "F32" -> buf.getFloat(base + 4 * i);
                    case "F16" -> Float.float16ToFloat(buf.getShort(base + 2 * i));
                    // bfloat16 is the top half of a float32
                    case "BF16" -> Float.intBitsToFloat((buf.getShort(base + 2 * i) & 0xffff) << 16);
                    case "I32" -> buf.getInt(base + 4 * i);
                    case "F64" -> (float) buf.getDouble(base + 8 * i);
                    default -> buf.getLong(base + 8 * i);
                };
            }
            out.put(e.key(), Tensor.of(data, e.shape()));
        }
        return out;
    }

    private static int[] ints(String name, String key, String field, Object v) throws IOException {
        if (!(v instanceof List<?> l)) throw new IOException(name + ": tensor " + Json.shown(key) + ": missing or bad '" + field + "'");
        int[] r = new int[l.size()];
        for (int i = 0; i < r.length; i++) {
            if (!(l.get(i) instanceof Long x) || x < 0 || x > Integer.MAX_VALUE) {
                throw new IOException(name + ": tensor " + Json.shown(key) + ": bad '" + field + "' entry " + Json.shown(String.valueOf(l.get(i))));
            }
            r[i] = (int) (long) x;
        }
        return r;
    }

    /**
     * Writes F32 tensors in map order with optional string metadata (its keys sorted, so that the same
     * contents give the same bytes whatever the map's own order, e.g. Map.of's per-JVM one), atomically.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) header.put("__metadata__", new java.util.TreeMap<>(metadata));
        long offset = 0;
        for (var e : tensors.entrySet()) {
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", "F32");
            List<Object> shape = new java.util.ArrayList<>();
            for (int d : e.getValue().shape()) shape.add((long) d);
            info.put("shape", shape);
            long bytes = 4L * e.getValue().numel();
            info.put("data_offsets", List.of(offset, offset + bytes));
            offset += bytes;
            header.put(e.getKey(), info);
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int pad = (8 - json.length % 8) % 8;
        int headerLen = json.length + pad;
        if (8L + headerLen + offset > Integer.MAX_VALUE - 8) throw new IOException(file + ": state too large for one file");
        ByteBuffer out = ByteBuffer.allocate((int) (8 + headerLen + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(headerLen).put(json);
        for (int i = 0; i < pad; i++) out.put((byte) ' ');
        for (Tensor t : tensors.values()) {
            for (float f : t.toArray()) out.putFloat(f);
        }
        AtomicFile.write(file, out.array());
    }
}

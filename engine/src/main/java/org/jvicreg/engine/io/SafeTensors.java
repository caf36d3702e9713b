package org.jvicreg.engine.io;

import org.jvicreg.engine.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /** The tensors in header order, plus nothing for "__metadata__". */
    public static Map<String, Tensor> read(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException(file + ": no such file");
        }
        return parse(file.toString(), bytes);
    }

    /** The "__metadata__" strings of a file (empty when it has none). */
    public static Map<String, String> metadata(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        Map<String, Object> header = header(file.toString(), bytes);
        Map<String, String> out = new LinkedHashMap<>();
        if (header.get("__metadata__") instanceof Map<?, ?> m) {
            for (var e : m.entrySet()) out.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> header(String name, byte[] bytes) throws IOException {
        if (bytes.length < 8) throw new IOException(name + ": not a safetensors file (only " + bytes.length + " bytes)");
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n <= 0 || 8 + n > bytes.length) {
            throw new IOException(name + ": not a safetensors file or truncated (header length " + n + ", file length "
                    + bytes.length + ")");
        }
        Object h;
        try {
            h = Json.parse(new String(bytes, 8, (int) n, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IOException(name + ": corrupt header: " + e.getMessage());
        }
        if (!(h instanceof Map)) throw new IOException(name + ": corrupt header: not a JSON object");
        return (Map<String, Object>) h;
    }

    static Map<String, Tensor> parse(String name, byte[] bytes) throws IOException {
        Map<String, Object> header = header(name, bytes);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        int dataStart = (int) (8 + n);
        long dataLen = bytes.length - dataStart;
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : header.entrySet()) {
            String key = e.getKey();
            if (key.equals("__metadata__")) continue;
            if (!(e.getValue() instanceof Map<?, ?> info)) throw new IOException(name + ": tensor '" + key + "': entry is not an object");
            String dtype = String.valueOf(info.get("dtype"));
            int[] shape = ints(name, key, "shape", info.get("shape"));
            int[] offs = ints(name, key, "data_offsets", info.get("data_offsets"));
            if (offs.length != 2) throw new IOException(name + ": tensor '" + key + "': data_offsets must have 2 entries");
            int size = switch (dtype) {
                case "F16", "BF16" -> 2;
                case "F32", "I32" -> 4;
                case "F64", "I64" -> 8;
                default -> throw new IOException(name + ": tensor '" + key + "': unsupported dtype " + dtype
                        + " (expected F32; F16, BF16, F64, I64 and I32 are converted)");
            };
            long count = 1;
            for (int d : shape) count *= d;
            if (offs[0] < 0 || offs[1] < offs[0] || offs[1] > dataLen) {
                throw new IOException(name + ": tensor '" + key + "': byte range [" + offs[0] + ", " + offs[1]
                        + ") lies outside the " + dataLen + " data bytes (truncated file?)");
            }
            if ((long) offs[1] - offs[0] != count * size) {
                throw new IOException(name + ": tensor '" + key + "': shape " + java.util.Arrays.toString(shape) + " of "
                        + dtype + " needs " + count * size + " bytes but its range holds " + (offs[1] - offs[0]));
            }
            float[] data = new float[(int) count];
            int base = dataStart + offs[0];
            for (int i = 0; i < count; i++) {
                data[i] = switch (dtype) {
                    case "F32" -> buf.getFloat(base + 4 * i);
                    case "F16" -> Float.float16ToFloat(buf.getShort(base + 2 * i));
                    // bfloat16 is the top half of a float32
                    case "BF16" -> Float.intBitsToFloat((buf.getShort(base + 2 * i) & 0xffff) << 16);
                    case "I32" -> buf.getInt(base + 4 * i);
                    case "F64" -> (float) buf.getDouble(base + 8 * i);
                    default -> buf.getLong(base + 8 * i);
                };
            }
            out.put(key, Tensor.of(data, shape));
        }
        return out;
    }

    private static int[] ints(String name, String key, String field, Object v) throws IOException {
        if (!(v instanceof List<?> l)) throw new IOException(name + ": tensor '" + key + "': missing or bad '" + field + "'");
        int[] r = new int[l.size()];
        for (int i = 0; i < r.length; i++) {
            if (!(l.get(i) instanceof Long x) || x < 0 || x > Integer.MAX_VALUE) {
                throw new IOException(name + ": tensor '" + key + "': bad '" + field + "' entry " + l.get(i));
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

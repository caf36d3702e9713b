package org.jvicreg.engine.io;

import org.jvicreg.engine.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} files: reads little-endian float32 ({@code <f4}) and float64 ({@code <f8}, converted)
 * C-order arrays, writes {@code <f4}. Errors name the file and what is wrong with it.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    // bounded repetitions: a header repeating "'shape': (" without a ')' is then searched in linear time
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']{0,64})'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]{0,1024})\\)");
    /** The longest header read (NumPy's own reader refuses more than 10,000 bytes unless told otherwise). */
    static final int MAX_HEADER = 1 << 16;

    private Npy() {}

    /**
     * A CPU tensor with the file's shape and values. A regular file's header sizes are checked against its
     * length before anything is allocated; a pipe is read no further than its header declares.
     */
    public static Tensor read(Path file) throws IOException {
        try (BoundedInput in = BoundedInput.open(file)) {
            return read(in);
        }
    }

    static Tensor read(BoundedInput in) throws IOException {
        String name = in.name;
        if (in.length() >= 0 && in.length() < 10) throw new IOException(name + ": not a .npy file (only " + in.length() + " bytes)");
        byte[] prefix = in.read(8, "magic and version");
        for (int i = 0; i < MAGIC.length; i++) {
            if (prefix[i] != MAGIC[i]) throw new IOException(name + ": not a .npy file (bad magic)");
        }
        int major = prefix[6] & 0xff;
        long headerLen;
        if (major == 1) {
            headerLen = ByteBuffer.wrap(in.read(2, "header length")).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xffff;
        } else if (major == 2 || major == 3) {
            headerLen = ByteBuffer.wrap(in.read(4, "header length")).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
        } else {
            throw new IOException(name + ": unsupported .npy version " + major);
        }
        if (in.remaining() >= 0 && headerLen > in.remaining()) {
            throw new IOException(name + ": header length " + headerLen + " exceeds the file's " + in.length() + " bytes");
        }
        if (headerLen > MAX_HEADER) {
            throw new IOException(name + ": header length " + headerLen + " exceeds the limit of " + MAX_HEADER + " bytes");
        }
        String header = new String(in.read(headerLen, "header"), StandardCharsets.ISO_8859_1);
        String descr = group(name, DESCR, header, "descr");
        if (group(name, ORDER, header, "fortran_order").equals("True")) {
            throw new IOException(name + ": Fortran-order arrays are not supported (save with np.ascontiguousarray)");
        }
        int[] shape = parseShape(name, group(name, SHAPE, header, "shape"));
        int elemSize = switch (descr) {
            case "<f4" -> 4;
            case "<f8" -> 8;
            default -> throw new IOException(name + ": unsupported dtype " + Json.shown(descr) + " (expected <f4 or <f8)");
        };
        long expected = BoundedInput.bytesFor(name, "shape", shape, elemSize);
        long actual = in.remaining();
        if (actual >= 0 && actual < expected) {
            throw new IOException(name + ": truncated data: shape " + Arrays.toString(shape) + " of " + descr
                    + " needs " + expected + " bytes, the file has " + actual);
        }
        if (actual > expected) {
            throw new IOException(name + ": " + (actual - expected) + " unexpected bytes after the data for shape "
                    + Arrays.toString(shape));
        }
        if (expected > BoundedInput.MAX_ARRAY) {
            throw new IOException(name + ": shape " + Arrays.toString(shape) + " of " + descr + " needs " + expected
                    + " bytes, more than the " + BoundedInput.MAX_ARRAY + " one array holds");
        }
        byte[] bytes = in.read(expected, "data for shape " + Arrays.toString(shape) + " of " + descr);
        if (!in.atEnd()) throw new IOException(name + ": unexpected bytes after the data for shape " + Arrays.toString(shape));
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] data = new float[(int) (expected / elemSize)];
        if (elemSize == 4) {
            buf.asFloatBuffer().get(data);
        } else {
            var db = buf.asDoubleBuffer();
            for (int i = 0; i < data.length; i++) data[i] = (float) db.get(i);
        }
        return Tensor.of(data, shape);
    }

    private static String group(String name, Pattern p, String header, String key) throws IOException {
        Matcher m = p.matcher(header);
        if (!m.find()) throw new IOException(name + ": header has no '" + key + "' entry");
        return m.group(1);
    }

    private static int[] parseShape(String name, String s) throws IOException {
        List<Integer> dims = new ArrayList<>();
        for (String part : s.split(",")) {
            String t = part.trim();
            if (t.isEmpty()) continue;
            if (t.endsWith("L")) t = t.substring(0, t.length() - 1);
            try {
                int d = Integer.parseInt(t);
                if (d < 0) throw new NumberFormatException();
                dims.add(d);
            } catch (NumberFormatException e) {
                throw new IOException(name + ": bad shape entry " + Json.shown(part.trim()));
            }
        }
        return dims.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Writes the tensor as {@code <f4}, atomically (a temporary file renamed into place). */
    public static void write(Path file, Tensor t) throws IOException {
        float[] data = t.toArray();
        StringBuilder shape = new StringBuilder("(");
        int[] s = t.shape();
        for (int i = 0; i < s.length; i++) shape.append(s[i]).append(s.length == 1 ? "," : (i + 1 < s.length ? ", " : ""));
        shape.append(')');
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
        int unpadded = 10 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer out = ByteBuffer.allocate(10 + header.length() + 4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        out.put(header.getBytes(StandardCharsets.ISO_8859_1));
        out.asFloatBuffer().put(data);
        AtomicFile.write(file, out.array());
    }
}

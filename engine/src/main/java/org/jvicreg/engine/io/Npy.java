package org.jvicreg.engine.io;

import org.jvicreg.engine.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} files: reads little-endian float32 ({@code <f4}) and float64 ({@code <f8}, converted)
 * C-order arrays, writes {@code <f4}. Errors name the file and what is wrong with it.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {}

    /** A CPU tensor with the file's shape and values. */
    public static Tensor read(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException(file + ": no such file");
        }
        return parse(file.toString(), bytes);
    }

    static Tensor parse(String name, byte[] bytes) throws IOException {
        if (bytes.length < 10) throw new IOException(name + ": not a .npy file (only " + bytes.length + " bytes)");
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes[i] != MAGIC[i]) throw new IOException(name + ": not a .npy file (bad magic)");
        }
        int major = bytes[6] & 0xff;
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen, headerStart;
        if (major == 1) {
            headerLen = buf.getShort(8) & 0xffff;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) throw new IOException(name + ": truncated header");
            headerLen = buf.getInt(8);
            headerStart = 12;
        } else {
            throw new IOException(name + ": unsupported .npy version " + major);
        }
        if (headerLen < 0 || headerStart + headerLen > bytes.length) throw new IOException(name + ": truncated header");
        String header = new String(bytes, headerStart, headerLen, StandardCharsets.ISO_8859_1);
        String descr = group(name, DESCR, header, "descr");
        if (group(name, ORDER, header, "fortran_order").equals("True")) {
            throw new IOException(name + ": Fortran-order arrays are not supported (save with np.ascontiguousarray)");
        }
        int[] shape = parseShape(name, group(name, SHAPE, header, "shape"));
        int elemSize = switch (descr) {
            case "<f4" -> 4;
            case "<f8" -> 8;
            default -> throw new IOException(name + ": unsupported dtype '" + descr + "' (expected <f4 or <f8)");
        };
        long count = 1;
        for (int d : shape) count *= d;
        int dataStart = headerStart + headerLen;
        long expected = count * elemSize;
        long actual = bytes.length - dataStart;
        if (actual < expected) {
            throw new IOException(name + ": truncated data: shape " + java.util.Arrays.toString(shape) + " of " + descr
                    + " needs " + expected + " bytes, the file has " + actual);
        }
        if (actual > expected) {
            throw new IOException(name + ": " + (actual - expected) + " unexpected bytes after the data for shape "
                    + java.util.Arrays.toString(shape));
        }
        if (count > Integer.MAX_VALUE - 8) throw new IOException(name + ": array too large");
        float[] data = new float[(int) count];
        buf.position(dataStart);
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
                throw new IOException(name + ": bad shape entry '" + part.trim() + "'");
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

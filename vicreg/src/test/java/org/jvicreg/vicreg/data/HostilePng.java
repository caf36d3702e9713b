package org.jvicreg.vicreg.data;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/** PNG files crafted byte by byte, for the tests of hostile images. */
public final class HostilePng {
    private HostilePng() {}

    /** An 8-bit RGB PNG of {@code width x height} whose image data is one empty zlib stream. */
    public static byte[] of(int width, int height) {
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2).put(new byte[3]);
        byte[] emptyZlib = {0x78, (byte) 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01};
        ByteBuffer b = ByteBuffer.allocate(8 + 25 + 12 + emptyZlib.length + 12);
        b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(b, "IHDR", ihdr.array());
        chunk(b, "IDAT", emptyZlib);
        chunk(b, "IEND", new byte[0]);
        return b.array();
    }

    private static void chunk(ByteBuffer b, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        b.putInt(data.length).put(t).put(data).putInt((int) crc.getValue());
    }
}

package org.jvicreg.vicreg.cli;

import org.jvicreg.engine.Shape;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.io.Npy;
import org.jvicreg.engine.io.SafeTensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Reads the array files a command was given, with errors that name the option, the file and the problem. */
final class InputFiles {
    private InputFiles() {}

    /** An .npy array (float32 or float64) whose values are all finite. */
    static Tensor npy(String option, Path file) throws IOException {
        checkReadable(option, file);
        Tensor t = read(option, file, () -> Npy.read(file));
        float[] v = t.toArray();
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new IOException("--" + option + " " + file + ": holds a non-finite value (" + v[i] + ") at flat index " + i);
            }
        }
        return t;
    }

    /** Every tensor of a safetensors file, by name. */
    static Map<String, Tensor> safetensors(String option, Path file) throws IOException {
        checkReadable(option, file);
        return read(option, file, () -> SafeTensors.read(file));
    }

    /** Reads one file; its own errors, and running out of stack or heap on it, become one line naming it. */
    private static <T> T read(String option, Path file, Reader<T> reader) throws IOException {
        try {
            return reader.read();
        } catch (IOException e) {
            throw new IOException("--" + option + " " + e.getMessage(), e);
        } catch (StackOverflowError e) {
            throw new IOException(where(option, file) + "input nested too deeply to read (the stack overflowed)", e);
        } catch (OutOfMemoryError e) {
            throw new IOException(where(option, file) + Main.outOfMemory(e) + ", while reading it", e);
        }
    }

    @FunctionalInterface
    private interface Reader<T> {
        T read() throws IOException;
    }

    private static void checkReadable(String option, Path file) throws IOException {
        if (!Files.exists(file)) throw new IOException("--" + option + " " + file + ": no such file");
        if (Files.isDirectory(file)) throw new IOException("--" + option + " " + file + ": is a directory, not a file");
        if (!Files.isReadable(file)) throw new IOException("--" + option + " " + file + ": not readable (permission denied)");
    }

    /** "--option FILE: " for messages about a file's content. */
    static String where(String option, Path file) {
        return "--" + option + " " + file + ": ";
    }

    static String shape(Tensor t) {
        return Shape.str(t.shape());
    }
}

package org.jvicreg.vicreg.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One run of {@link Main#run} with stdout and stderr captured: the command line exactly as a user calls it. */
record CliRun(int code, String out, String err) {

    static CliRun of(String... argv) {
        PrintStream oldOut = System.out, oldErr = System.err;
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(argv);
            return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** Exit 0 and nothing on stderr. */
    CliRun assertOk() {
        assertEquals(0, code, "exit code; stderr: " + err);
        assertEquals("", err, "stderr");
        return this;
    }

    /**
     * A non-zero exit, nothing on stdout, and exactly one line on stderr naming the command and containing
     * every fragment.
     */
    CliRun assertFails(String... fragments) {
        assertNotEquals(0, code, "exit code; stdout: " + out);
        assertEquals("", out, "stdout of a failed run");
        assertTrue(err.endsWith("\n") && err.indexOf('\n') == err.length() - 1, "one line on stderr, got: " + err);
        assertTrue(err.startsWith("vicreg "), err);
        for (String f : fragments) assertTrue(err.contains(f), "stderr should contain '" + f + "': " + err);
        return this;
    }

    @Override
    public String toString() {
        return "exit " + code + ", stdout " + Arrays.toString(out.split("\n")) + ", stderr " + err;
    }
}

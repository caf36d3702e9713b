package org.jvicreg.vicreg.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress display on stderr: a bar redrawn in place when stderr is a terminal, otherwise a
 * plain line every few seconds (so logs stay readable).
 */
final class ProgressBar {
    private final PrintStream out;
    private final boolean tty;
    private long lastPrint;

    ProgressBar(PrintStream out) {
        this.out = out;
        this.tty = System.console() != null && System.getenv("TERM") != null && !"dumb".equals(System.getenv("TERM"));
    }

    void update(int epoch, int epochs, int step, int steps, String status) {
        long now = System.nanoTime();
        boolean last = step == steps;
        if (!last && now - lastPrint < (tty ? 200_000_000L : 10_000_000_000L)) return;
        lastPrint = now;
        int width = 24, filled = steps == 0 ? width : (int) ((long) width * step / steps);
        String bar = "=".repeat(filled) + (filled < width ? ">" + " ".repeat(width - filled - 1) : "");
        String line = String.format(Locale.ROOT, "epoch %d/%d [%s] %d/%d %s", epoch, epochs, bar, step, steps, status);
        if (tty) {
            out.print("\r" + line + "\033[K");
            if (last) out.println();
        } else {
            out.println(line);
        }
        out.flush();
    }

    void message(String s) {
        if (tty) out.print("\r\033[K");
        out.println(s);
        out.flush();
    }
}

package org.jvicreg.vicreg.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one-line errors Main prints for what the commands throw. */
class MainTest {

    @Test
    void runningOutOfHeapSaysTheLimitAndHowToRaiseIt() {
        String msg = Main.outOfMemory(new OutOfMemoryError("Java heap space"));
        long limit = Runtime.getRuntime().maxMemory() >> 20;
        assertTrue(msg.contains("the heap's limit is " + limit + " MiB"), msg);
        assertTrue(msg.matches(".*JVICREG_JAVA_OPTS=-Xmx\\d+g.*"), msg);
        // the advice is more than the limit it reports
        long advised = Long.parseLong(msg.replaceAll(".*-Xmx(\\d+)g.*", "$1"));
        assertTrue(advised << 10 > limit, msg);
        assertEquals("Direct buffer memory", Main.outOfMemory(new OutOfMemoryError("Direct buffer memory")),
                "other kinds of memory pass through as the JVM says them");
    }

    @Test
    void errorsBecomeOneLineToo() {
        assertTrue(Main.message(new StackOverflowError()).contains("input nested too deeply"), Main.message(new StackOverflowError()));
        String linkage = Main.message(new NoClassDefFoundError("jcuda/Pointer"));
        assertEquals("java.lang.NoClassDefFoundError: jcuda/Pointer", linkage, "an Error keeps its type");
        assertEquals("bad file", Main.message(new java.io.IOException("bad file")), "an exception is its message");
        assertEquals(Main.outOfMemory(new OutOfMemoryError("Java heap space")), Main.message(new OutOfMemoryError("Java heap space")));
    }
}

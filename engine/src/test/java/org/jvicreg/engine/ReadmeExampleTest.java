package org.jvicreg.engine;

import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** README.md's "Using the engine" example, taken from the README itself and run as written (JShell, in this JVM). */
class ReadmeExampleTest {

    /** The first ```java block after the heading. */
    private static String example() throws IOException {
        Path readme = Path.of(System.getProperty("user.dir")).getParent().resolve("README.md");
        String text = Files.readString(readme);
        int section = text.indexOf("## Using the engine");
        assertTrue(section >= 0, "README has a 'Using the engine' section");
        int start = text.indexOf("```java\n", section) + "```java\n".length(), end = text.indexOf("```", start);
        return text.substring(start, end);
    }

    @Test
    void theEngineExampleRunsAndPrintsAGradient() throws IOException {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        // the local engine runs the snippets in this JVM, so they print to System.out
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try (JShell shell = JShell.builder().executionEngine("local").build()) {
            shell.addToClasspath(System.getProperty("java.class.path"));
            shell.eval("import org.jvicreg.engine.*;");
            List<String> problems = new ArrayList<>();
            SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
            String rest = example();
            while (!rest.isBlank()) {
                SourceCodeAnalysis.CompletionInfo next = analysis.analyzeCompletion(rest);
                for (SnippetEvent e : shell.eval(next.source())) {
                    if (e.status() == Snippet.Status.REJECTED) {
                        shell.diagnostics(e.snippet()).forEach(d -> problems.add(e.snippet().source().strip() + ": " + d.getMessage(null)));
                    }
                    if (e.exception() != null) problems.add(e.snippet().source().strip() + ": " + e.exception());
                }
                rest = next.remaining();
            }
            assertTrue(problems.isEmpty(), "README example: " + problems);
        } finally {
            System.setOut(stdout);
        }
        String out = printed.toString(StandardCharsets.UTF_8);
        assertTrue(out.startsWith("Tensor[16, 3, 3, 3]"), "prints w's gradient: " + out);
        assertFalse(out.contains("NaN"), out);
    }
}

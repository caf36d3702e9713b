package org.jvicreg.vicreg.cli;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command-line parser's contract on any arguments: values, or a UsageException (exit 2) with a one-line
 * message naming the option or argument; never another exception. Each input is a list of arguments, read
 * back through every kind of accessor the commands use. A plain test run replays the inputs under
 * src/test/resources/org/jvicreg/vicreg/cli/ArgsFuzzTestInputs/parse/. To fuzz it for ten minutes:
 * <pre>
 * JAZZER_FUZZ=1 mvn -B test -Djvicreg.fuzzing=true -pl vicreg -am -Dtest='ArgsFuzzTest' -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Djazzer.max_duration=10m
 * </pre>
 */
class ArgsFuzzTest {
    private static final List<String> KEYS = List.of("out", "batch", "epochs", "base-lr", "seed", "device", "arch", "limit",
            "width", "mlp", "resume", "cuda-libs", "k");

    @FuzzTest
    void parse(FuzzedDataProvider data) {
        List<String> args = new ArrayList<>();
        int n = data.consumeInt(0, 12);
        for (int i = 0; i < n; i++) {
            args.add(data.consumeBoolean() ? "--" + data.pickValue(KEYS) + (data.consumeBoolean() ? "=" + data.consumeString(12) : "")
                    : data.consumeString(16));
        }
        try {
            Args a = Args.parse(args.toArray(new String[0]), Set.of("resume"));
            a.flag("resume");
            a.path("out", null);
            a.positiveInteger("batch", 256);
            a.nonNegativeInteger("limit", 0);
            a.integer("epochs", 5);
            a.number("base-lr", 0.3);
            a.longValue("seed", 0);
            a.positiveInteger("width", 16);
            a.choice("arch", "resnet18", "resnet18", "resnet34", "resnet50");
            a.string("mlp", "512-512-512");
            a.integer("k", 20);
            a.device();
            a.finish();
        } catch (UsageException e) {
            String m = e.getMessage();
            assertTrue(m != null && !m.isBlank(), "a usage error says what is wrong");
            assertFalse(m.contains("\n"), "one line: " + m);
        }
    }
}

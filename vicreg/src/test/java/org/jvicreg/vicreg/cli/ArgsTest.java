package org.jvicreg.vicreg.cli;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The option parser's errors: each names the option and, for a typo, the option meant. */
class ArgsTest {

    private static String error(Runnable r) {
        return assertThrows(UsageException.class, r::run).getMessage();
    }

    @Test
    void aMistypedOptionIsUnknownAndNamesTheNearestKnownOne() {
        // given last, a typo of a flag used to read as a value-taking option without its value
        Args last = Args.parse(new String[] {"--out", "run", "--resum"}, Set.of("resume"));
        last.require("out");
        last.flag("resume");
        assertEquals("unknown option --resum (did you mean --resume?)", error(last::finish));

        Args middle = Args.parse(new String[] {"--batchsize", "8", "--out", "run"}, Set.of());
        middle.require("out");
        middle.positiveInteger("batch", 256);
        middle.integer("epochs", 5);
        assertEquals("unknown option --batchsize", error(middle::finish), "three edits away: no guess");

        Args far = Args.parse(new String[] {"--ephocs", "2"}, Set.of());
        far.integer("epochs", 5);
        far.integer("seed", 0);
        assertEquals("unknown option --ephocs (did you mean --epochs?)", error(far::finish));
    }

    @Test
    void aValueTakingOptionWithoutItsValueSaysSo() {
        Args last = Args.parse(new String[] {"--out"}, Set.of());
        assertEquals("option --out needs a value", error(() -> last.require("out")));
        // followed by another option, it does not swallow that option as its value
        Args before = Args.parse(new String[] {"--out", "--batch", "8"}, Set.of());
        assertEquals("option --out needs a value", error(() -> before.string("out", "x")));
        assertEquals(8, before.positiveInteger("batch", 256));
        // negative numbers are values
        Args negative = Args.parse(new String[] {"--epochs", "-1"}, Set.of());
        assertTrue(error(() -> negative.positiveInteger("epochs", 5)).contains("must be positive, got -1"));
    }

    @Test
    void editDistanceCountsInsertionsDeletionsAndSubstitutions() {
        assertEquals(0, Args.editDistance("seed", "seed"));
        assertEquals(1, Args.editDistance("resum", "resume"));
        assertEquals(2, Args.editDistance("ephocs", "epochs"));
        assertEquals(3, Args.editDistance("", "abc"));
        assertEquals(3, Args.editDistance("kitten", "sitting"));
    }
}

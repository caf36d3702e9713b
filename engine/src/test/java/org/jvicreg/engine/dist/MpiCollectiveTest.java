package org.jvicreg.engine.dist;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The MPI collectives on 2 and 3 ranks against their definitions ({@link CollectiveCheck}), and the timeout. */
class MpiCollectiveTest {
    @TempDir
    Path dir;

    @Test
    void collectivesMatchTheirDefinitionOnTwoAndThreeRanks() throws Exception {
        MpiRun.assumeAvailable();
        for (int ranks : new int[] {2, 3}) {
            MpiRun.Result r = MpiRun.run(ranks, Duration.ofSeconds(120), dir, List.of(),
                    List.of(CollectiveCheck.class.getName(), "check", "60"), Map.of());
            assertEquals(0, r.exit(), r.both());
            for (int rank = 0; rank < ranks; rank++) {
                assertTrue(r.stdout().contains("collective check passed on rank " + rank + " of " + ranks), r.both());
            }
        }
    }

    @Test
    void aRankThatNeverJoinsEndsTheJobWithTheTimeoutsLine() throws Exception {
        MpiRun.assumeAvailable();
        MpiRun.Result r = MpiRun.run(2, Duration.ofSeconds(90), dir, List.of(),
                List.of(CollectiveCheck.class.getName(), "stall", "3"), Map.of());
        assertTrue(r.exit() != 0, r.both());
        assertTrue(r.stderr().contains("error: rank 0 of 2: barrier waited 3 s for the other ranks"), r.both());
        assertTrue(r.took().toSeconds() < 60, "took " + r.took());
    }

    @Test
    void oneProcessIsAGroupOfOneWhoseCollectivesLeaveDataAlone() {
        try (Collective c = Collectives.open("none", Duration.ofSeconds(1))) {
            assertEquals(0, c.rank());
            assertEquals(1, c.size());
            org.jvicreg.engine.Tensor t = org.jvicreg.engine.Tensor.of(new float[] {1, 2, 3});
            c.allReduceSum(t);
            c.broadcast(t, 0);
            assertEquals(2f, t.get(1));
            assertEquals(3, c.allGather(t.reshape(3, 1)).size(0));
        }
    }
}

package org.jvicreg.engine.dist;

import java.time.Duration;
import java.util.Locale;

/**
 * Which {@link Collective} a process joins: {@code none} (one process), {@code mpi}, {@code nccl} (CUDA
 * tensors through NCCL, bootstrapped over MPI), or {@code auto}: MPI when a launcher that starts MPI jobs
 * started this process ({@code mpirun}, or {@code srun} with PMI/PMIx), one process otherwise.
 */
public final class Collectives {
    private Collectives() {}

    public static final String[] KINDS = {"auto", "none", "mpi", "nccl"};

    /** Opens the group {@code kind} names; missing libraries fail here, in one line. */
    public static Collective open(String kind, Duration timeout) {
        return switch (kind.toLowerCase(Locale.ROOT)) {
            case "none" -> new SingleProcess();
            case "mpi" -> MpiCollective.world(timeout);
            case "nccl" -> org.jvicreg.engine.cuda.NcclCollective.open(MpiCollective.world(timeout));
            case "auto" -> launchedByMpi() ? MpiCollective.world(timeout) : new SingleProcess();
            default -> throw new IllegalArgumentException("unknown collective '" + kind + "' (expected auto, none, mpi or nccl)");
        };
    }

    /** Whether an MPI launcher started this process: Open MPI's mpirun, or a PMI/PMIx launcher such as srun. */
    public static boolean launchedByMpi() {
        return env("OMPI_COMM_WORLD_SIZE") != null || env("PMIX_RANK") != null || env("PMI_RANK") != null;
    }

    /**
     * How many ranks the launcher put on this machine (1 when not launched by one): a rank's share of the
     * cores is the cores divided by this.
     */
    public static int localRanks() {
        return firstNumber(1, 1, "OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE");
    }

    /** This process's index among the ranks on its machine (0 when not launched by MPI): which GPU it takes. */
    public static int localRank() {
        return firstNumber(0, 0, "OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID");
    }

    /**
     * The first of the environment variables {@code names} that holds a whole number of at least {@code min};
     * {@code otherwise} when none does (SLURM writes e.g. "2(x3)" for uneven layouts: the next one is tried).
     */
    private static int firstNumber(int min, int otherwise, String... names) {
        for (String name : names) {
            String v = env(name);
            if (v == null) continue;
            try {
                int n = Integer.parseInt(v.trim());
                if (n >= min) return n;
            } catch (NumberFormatException e) {
                // try the next source
            }
        }
        return otherwise;
    }

    private static String env(String name) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? null : v;
    }
}

/* MPI's own C path for the all-reduce that `vicreg bench allreduce` times through jvicreg's FFM binding:
 * in-place MPI_Allreduce of floats (sum) on buffers of each size given in bytes, with the same warm-up and
 * iteration rule (AllReduceBandwidth.iterations). Rank 0 prints one JSON line per size. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int iterations(long bytes) {
    long n = (1L << 30) / bytes;
    if (n < 20) n = 20;
    if (n > 2000) n = 2000;
    return (int) n;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    for (int a = 1; a < argc; a++) {
        long bytes = atol(argv[a]);
        long count = bytes / 4;
        float *buffer = aligned_alloc(64, (size_t) ((bytes + 63) / 64 * 64));
        for (long i = 0; i < count; i++) buffer[i] = 1.0f;
        int iters = iterations(bytes), warmup = iters / 10 > 5 ? iters / 10 : 5;
        for (int i = 0; i < warmup; i++) MPI_Allreduce(MPI_IN_PLACE, buffer, (int) count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        for (int i = 0; i < iters; i++) MPI_Allreduce(MPI_IN_PLACE, buffer, (int) count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        double seconds = (MPI_Wtime() - t0) / iters;
        double busbw = 2.0 * (size - 1) / size * (double) bytes / seconds / 1e9;
        if (rank == 0) {
            printf("{\"name\":\"allreduce\",\"impl\":\"c\",\"ranks\":%d,\"bytes\":%ld,\"iterations\":%d,\"us_per_op\":%.2f,\"busbw_gbs\":%.3f}\n",
                   size, bytes, iters, seconds * 1e6, busbw);
            fflush(stdout);
        }
        free(buffer);
    }
    MPI_Finalize();
    return 0;
}

/* MPI's own C path for the all-reduce that `vicreg bench allreduce` times through jvicreg's FFM binding:
 * in-place MPI_Allreduce of floats (sum) on buffers of each size given in bytes, with the same warm-up calls per
 * size, two unreported sweeps over the sizes (the JVM runs at least two, until its JIT has settled) and the same
 * iteration rule (AllReduceBandwidth.iterations). Rank 0
 * prints one JSON line per size: the mean time per call (from which the bandwidth) and the median call.
 *   allreduce_bandwidth single|serialized BYTES...
 * The first argument is the thread level MPI is initialised at. jvicreg runs at MPI_THREAD_SERIALIZED (any JVM
 * thread may call, one at a time); Open MPI 4.1 costs about a microsecond more per small call at any level
 * above MPI_THREAD_SINGLE, so the comparison with the binding is at its level and SINGLE shows the floor. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int iterations(long bytes) {
    long n = (1L << 30) / bytes;
    if (n < 20) n = 20;
    if (n > 2000) n = 2000;
    return (int) n;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

/* Seconds per call of all-reduces of `bytes`: the mean over the timed loop into mean, the median call into p50. */
static void time_size(long bytes, double *mean, double *p50) {
    long count = bytes / 4;
    float *buffer = aligned_alloc(64, (size_t) ((bytes + 63) / 64 * 64));
    for (long i = 0; i < count; i++) buffer[i] = 1.0f;
    int iters = iterations(bytes), warmup = iters / 10 > 5 ? iters / 10 : 5;
    double *calls = malloc(sizeof(double) * (size_t) iters);
    for (int i = 0; i < warmup; i++) MPI_Allreduce(MPI_IN_PLACE, buffer, (int) count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime(), previous = t0;
    for (int i = 0; i < iters; i++) {
        MPI_Allreduce(MPI_IN_PLACE, buffer, (int) count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        double now = MPI_Wtime();
        calls[i] = now - previous;
        previous = now;
    }
    *mean = (previous - t0) / iters;
    qsort(calls, (size_t) iters, sizeof(double), by_value);
    *p50 = calls[iters / 2];
    free(calls);
    free(buffer);
}

int main(int argc, char **argv) {
    if (argc < 2 || (strcmp(argv[1], "single") != 0 && strcmp(argv[1], "serialized") != 0)) {
        fprintf(stderr, "usage: allreduce_bandwidth single|serialized BYTES...\n");
        return 2;
    }
    int serialized = strcmp(argv[1], "serialized") == 0, provided;
    MPI_Init_thread(&argc, &argv, serialized ? MPI_THREAD_SERIALIZED : MPI_THREAD_SINGLE, &provided);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    double mean, p50;
    for (int sweep = 0; sweep < 2; sweep++)
        for (int a = 2; a < argc; a++) time_size(atol(argv[a]), &mean, &p50);
    for (int a = 2; a < argc; a++) {
        long bytes = atol(argv[a]);
        time_size(bytes, &mean, &p50);
        double busbw = 2.0 * (size - 1) / size * (double) bytes / mean / 1e9;
        if (rank == 0) {
            printf("{\"name\":\"allreduce\",\"impl\":\"c-%s\",\"ranks\":%d,\"bytes\":%ld,\"iterations\":%d,\"us_per_op\":%.2f,"
                   "\"p50_us\":%.2f,\"busbw_gbs\":%.3f}\n", argv[1], size, bytes, iterations(bytes), mean * 1e6, p50 * 1e6, busbw);
            fflush(stdout);
        }
    }
    MPI_Finalize();
    return 0;
}

#!/usr/bin/env bash
# All-reduce bandwidth of jvicreg's MPI binding beside MPI's own C path, same buffers, same ranks:
#   bench/mpi/compare.sh [RANKS] [SIZES...]        (default 2 ranks; 4 KiB to 64 MiB)
# C runs twice: at MPI_THREAD_SERIALIZED, the level the binding runs at (the comparison), and at
# MPI_THREAD_SINGLE (Open MPI's floor). ROUNDS (default 3) alternates the three runs that many times, as the
# machine's speed drifts between runs. Needs Open MPI with its compiler wrapper (Debian: openmpi-bin
# libopenmpi-dev). Prints every JSON line and a table of medians over the rounds: time per call (mean over a
# timed loop), the median call, and the ratio of bandwidths jvicreg / C.
set -euo pipefail
cd "$(dirname "$0")/../.."
ranks="${1:-2}"
shift || true
sizes=("${@:-4096 65536 1048576 16777216 67108864}")
read -r -a sizes <<<"${sizes[*]}"
rounds="${ROUNDS:-3}"
export OMPI_ALLOW_RUN_AS_ROOT="${OMPI_ALLOW_RUN_AS_ROOT:-1}" OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}"
exe="$(mktemp -d)/allreduce_bandwidth"
mpicc -O2 -o "$exe" bench/mpi/allreduce_bandwidth.c
mpi=(mpirun -np "$ranks" --oversubscribe --bind-to none)
out=""
for ((r = 0; r < rounds; r++)); do
  out+="$("${mpi[@]}" "$exe" single "${sizes[@]}")"$'\n'
  out+="$("${mpi[@]}" "$exe" serialized "${sizes[@]}")"$'\n'
  out+="$("${mpi[@]}" bin/vicreg bench allreduce --sizes "$(IFS=,; echo "${sizes[*]}")" 2>/dev/null)"$'\n'
done
echo -n "$out"
python3 - "$out" <<'PY'
import json, statistics, sys
runs = {}
for line in sys.argv[1].splitlines():
    if line.strip():
        r = json.loads(line)
        runs.setdefault((r["impl"], r["bytes"]), []).append(r)
def med(impl, b, key):
    return statistics.median(r[key] for r in runs[(impl, b)])
print("| bytes | C single us/call | C serialized us/call (median call) | jvicreg us/call (median call) | jvicreg / C serialized | jvicreg / C single |")
print("|---:|---:|---:|---:|---:|---:|")
for b in sorted({b for _, b in runs}):
    c1, c2, j = (med(i, b, "us_per_op") for i in ("c-single", "c-serialized", "jvicreg-ffm"))
    print(f"| {b} | {c1:.1f} | {c2:.1f} ({med('c-serialized', b, 'p50_us'):.1f}) | {j:.1f} ({med('jvicreg-ffm', b, 'p50_us'):.1f}) "
          f"| {c2 / j:.2f} | {c1 / j:.2f} |")
PY

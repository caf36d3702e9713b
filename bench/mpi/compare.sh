#!/usr/bin/env bash
# All-reduce bandwidth of jvicreg's MPI binding beside MPI's own C path, same buffers, same ranks:
#   bench/mpi/compare.sh [RANKS] [SIZES...]        (default 2 ranks; 4 KiB to 64 MiB)
# Needs Open MPI with its compiler wrapper (Debian: openmpi-bin libopenmpi-dev). Prints both JSON lines per
# size and a table with the ratio jvicreg / C.
set -euo pipefail
cd "$(dirname "$0")/../.."
ranks="${1:-2}"
shift || true
sizes=("${@:-4096 65536 1048576 16777216 67108864}")
read -r -a sizes <<<"${sizes[*]}"
export OMPI_ALLOW_RUN_AS_ROOT="${OMPI_ALLOW_RUN_AS_ROOT:-1}" OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}"
exe="$(mktemp -d)/allreduce_bandwidth"
mpicc -O2 -o "$exe" bench/mpi/allreduce_bandwidth.c
mpi=(mpirun -np "$ranks" --oversubscribe --bind-to none)
c_out="$("${mpi[@]}" "$exe" "${sizes[@]}")"
java_out="$("${mpi[@]}" bin/vicreg bench allreduce --sizes "$(IFS=,; echo "${sizes[*]}")" 2>/dev/null)"
echo "$c_out"
echo "$java_out"
python3 - "$c_out" "$java_out" <<'PY'
import json, sys
c = {r["bytes"]: r for r in map(json.loads, sys.argv[1].splitlines())}
j = {r["bytes"]: r for r in map(json.loads, sys.argv[2].splitlines())}
print("| bytes | C us/op | C GB/s | jvicreg us/op | jvicreg GB/s | jvicreg / C |")
print("|---:|---:|---:|---:|---:|---:|")
for b in sorted(c):
    print(f"| {b} | {c[b]['us_per_op']:.1f} | {c[b]['busbw_gbs']:.2f} | {j[b]['us_per_op']:.1f} | {j[b]['busbw_gbs']:.2f} | {j[b]['busbw_gbs'] / c[b]['busbw_gbs']:.2f} |")
PY

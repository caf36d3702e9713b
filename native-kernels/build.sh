#!/usr/bin/env bash
# Builds the CUDA kernels of native-kernels/src into the engine's resources:
#   <family>.fatbin  SASS for sm_80 and sm_90 plus compute_90 PTX (JIT-compiled on newer GPUs)
#   <family>.ptx     compute_80 PTX, the portable fallback and what the signature test reads
#   kernels.sha256   sha256 of every source (and of this script): the staleness record
# and runs ptxas for sm_90 on each PTX to catch resource errors (registers, spills, shared memory).
#
# usage: native-kernels/build.sh [--if-stale] [--check]
#   --if-stale  do nothing when kernels.sha256 matches the sources; when nvcc is absent, warn and
#               exit 0 (the Maven build calls it this way, so builds without nvcc never fail)
#   --check     only report whether the committed kernels are stale (exit 1 when they are)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/../engine/src/main/resources/org/jvicreg/engine/cuda"
record="$out/kernels.sha256"
families=(elementwise reduce softmax pool batchnorm columns)

mode=build
case "${1:-}" in
  --if-stale) mode=if-stale ;;
  --check) mode=check ;;
  "") ;;
  *) echo "usage: $0 [--if-stale|--check]" >&2; exit 2 ;;
esac

# The manifest: 'sha256  path' for build.sh and each source, sorted by path (C locale).
manifest() {
  (cd "$here" && LC_ALL=C ls build.sh src/*.cu src/*.cuh | LC_ALL=C sort | xargs sha256sum)
}

if [ "$mode" != build ]; then
  if [ -f "$record" ] && [ "$(manifest)" = "$(cat "$record")" ]; then
    echo "native-kernels: committed kernels are up to date"
    exit 0
  fi
  if [ "$mode" = check ]; then
    echo "native-kernels: committed kernels are STALE against native-kernels/src; run native-kernels/build.sh" >&2
    exit 1
  fi
  if ! command -v nvcc >/dev/null 2>&1; then
    echo "native-kernels: WARNING: kernels are stale and nvcc is not on PATH; keeping the committed ones" >&2
    exit 0
  fi
fi

command -v nvcc >/dev/null 2>&1 || { echo "native-kernels: nvcc is not on PATH" >&2; exit 1; }
ptxas=$(command -v ptxas || echo "$(dirname "$(command -v nvcc)")/ptxas")
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

flags=(-O3 -std=c++17 -I "$here/src" -Xptxas=-warn-spills,-warn-lmem-usage)
echo "native-kernels: $(nvcc --version | tail -n 2 | head -n 1)"
for f in "${families[@]}"; do
  src="$here/src/$f.cu"
  nvcc "${flags[@]}" -fatbin \
    -gencode arch=compute_80,code=sm_80 \
    -gencode arch=compute_90,code=sm_90 \
    -gencode arch=compute_90,code=compute_90 \
    -o "$tmp/$f.fatbin" "$src"
  nvcc "${flags[@]}" -ptx -arch=compute_80 -o "$tmp/$f.ptx" "$src"
  "$ptxas" -arch=sm_90 -O3 -v --warn-on-spills -o "$tmp/$f.sm_90.cubin" "$tmp/$f.ptx" 2> "$tmp/$f.ptxas.log" \
    || { cat "$tmp/$f.ptxas.log" >&2; exit 1; }
  echo "native-kernels: $f: $(grep -c 'Compiling entry' "$tmp/$f.ptxas.log") kernels, ptxas sm_90 ok"
  grep -E 'spill|lmem|error' "$tmp/$f.ptxas.log" | grep -v ' 0 bytes spill' | grep -v '0 bytes lmem' >&2 || true
  cp "$tmp/$f.fatbin" "$tmp/$f.ptx" "$out/"
done
manifest > "$record"
echo "native-kernels: wrote ${families[*]} (.fatbin, .ptx) and kernels.sha256 to ${out#$here/../}"

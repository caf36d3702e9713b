#!/usr/bin/env bash
# Runs, on a machine with an NVIDIA GPU, every CUDA test of the engine (each Backend primitive against
# the CPU backend, a training loop's results and device memory) and then the CUDA benchmark, from the
# bundle gpu-bundle.sh made. CUDA failing to start is a failure here, not a skip.
#
# usage (repository root): bash native-kernels/gpu-check.sh [BUNDLE]   (default engine/target/gpu-bundle)
# Logs go to $OUT when it is set (the device tool's output folder), else to /tmp/jvicreg-gpu-check.
# (No JUnit XML: the small runtime from ../shared/tools/make-jre has no java.xml module.)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bundle="${1:-engine/target/gpu-bundle}"
logs="${OUT:-/tmp/jvicreg-gpu-check}"
mkdir -p "$logs"
[ -x "$bundle/jre/bin/java" ] || { echo "no bundle at $bundle: run native-kernels/gpu-bundle.sh where Java and Maven are" >&2; exit 2; }

echo "== GPU and driver"
nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv,noheader || echo "(nvidia-smi failed)"

echo "== cuBLAS and cuDNN on this machine"
dirs="${JVICREG_CUDA_LIBS:-} /usr/local/cuda/lib64 /usr/lib/x86_64-linux-gnu"
if command -v python3 >/dev/null; then
  dirs="$dirs $(python3 -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null)"
fi
for d in ${dirs//:/ }; do
  ls -1 "$d"/libcublas.so.* "$d"/libcudnn.so.* "$d"/nvidia/*/lib/libcublas.so.* "$d"/nvidia/*/lib/libcudnn.so.* 2>/dev/null
done | sort -u

cp="$bundle/classes:$bundle/test-classes"
for j in "$bundle"/lib/*.jar; do cp="$cp:$j"; done
# JCuda unpacks its native libraries into java.io.tmpdir: keep them out of $OUT
tmp=$(mktemp -d /tmp/jvicreg-gpu-check.XXXXXX)
java=("$bundle/jre/bin/java" -Xmx16g --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
      -Djava.io.tmpdir="$tmp" -Djvicreg.cuda.required=true)

echo "== CUDA tests"
"${java[@]}" -jar "$bundle"/junit-platform-console-standalone-*.jar execute --disable-banner \
  --class-path "$cp" --select-package org.jvicreg.engine.cuda --details=tree 2>&1 \
  | tee "$logs/gpu-tests.log"
status=${PIPESTATUS[0]}

echo "== CUDA benchmark"
"${java[@]}" -cp "$cp" org.jvicreg.engine.cuda.CudaBench 2>&1 | tee "$logs/gpu-bench.log"
bench=${PIPESTATUS[0]}

echo "== tests exit $status, benchmark exit $bench"
[ "$status" -eq 0 ] && [ "$bench" -eq 0 ]

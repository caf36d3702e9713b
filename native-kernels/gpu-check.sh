#!/usr/bin/env bash
# Runs, on a machine with an NVIDIA GPU, everything CUDA that cannot run elsewhere, from the bundle
# gpu-bundle.sh made: every CUDA test of the engine (each Backend primitive against the CPU backend, a
# training loop's results and device memory), the ResNet-50 VICReg step against the CPU step, the
# engine's CUDA micro-benchmark, then `vicreg bench` on the GPU beside the same workloads in PyTorch
# (bench/pytorch/workloads.py; float32, TF32 off on both sides unless a line says otherwise).
# CUDA failing to start is a failure here, not a skip. Each stage has its own time limit so that one
# hung stage still leaves the others' results.
#
# usage (repository root): bash native-kernels/gpu-check.sh [BUNDLE]   (default engine/target/gpu-bundle)
# GPU_CHECK_ONLY picks stage groups (default tests,step,micro,bench,pipeline,profile); GPU_CHECK_MATCH, a bash
# regex, keeps only the stages whose name matches it (e.g. 'b16|host time').
# Logs go to the directory $OUT names when it is set, else to /tmp/jvicreg-gpu-check.
# (No JUnit XML: the bundle's jlink'd runtime has no java.xml module.)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bundle="${1:-engine/target/gpu-bundle}"
logs="${OUT:-/tmp/jvicreg-gpu-check}"
mkdir -p "$logs"
[ -x "$bundle/jre/bin/java" ] || { echo "no bundle at $bundle: run native-kernels/gpu-bundle.sh where Java and Maven are" >&2; exit 2; }
py=python3

echo "== GPU and driver"
nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv,noheader || echo "(nvidia-smi failed)"
$py -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version())' \
  2>&1 | tail -1

echo "== cuBLAS and cuDNN on this machine"
dirs="${JVICREG_CUDA_LIBS:-} /usr/local/cuda/lib64 /usr/lib/x86_64-linux-gnu"
dirs="$dirs $($py -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null)"
for d in ${dirs//:/ }; do
  ls -1 "$d"/libcublas.so.* "$d"/libcudnn.so.* "$d"/nvidia/*/lib/libcublas.so.* "$d"/nvidia/*/lib/libcudnn.so.* 2>/dev/null
done | sort -u

cp="$bundle/classes:$bundle/test-classes"
for m in nn vicreg; do cp="$cp:$bundle/$m-classes:$bundle/$m-test-classes"; done
for j in "$bundle"/lib/*.jar; do cp="$cp:$j"; done
# JCuda unpacks its native libraries into java.io.tmpdir: keep them out of the log directory
tmp=$(mktemp -d /tmp/jvicreg-gpu-check.XXXXXX)
java=("$bundle/jre/bin/java" -Xmx24g --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
      -XX:+UseParallelGC -Djava.io.tmpdir="$tmp" -Djvicreg.cuda.required=true)
junit=("${java[@]}" -jar "$(ls "$bundle"/junit-platform-console-standalone-*.jar)" execute --disable-banner
       --class-path "$cp" --details=tree)
failed=""

stage() { # name, seconds, log, command...
  local name=$1 secs=$2 log=$3; shift 3
  # GPU_CHECK_MATCH (a bash regex) keeps only the stages whose name matches it
  if [[ -n ${GPU_CHECK_MATCH:-} && ! $name =~ $GPU_CHECK_MATCH ]]; then return 0; fi
  echo "== $name (at most ${secs} s)"
  local t0=$SECONDS
  timeout -k 5 "$secs" "$@" > >(tee -a "$logs/$log") 2>&1
  local rc=$?
  echo "== $name: exit $rc after $((SECONDS - t0)) s" | tee -a "$logs/$log"
  [ "$rc" -eq 0 ] || failed="$failed $name"
}

only="${GPU_CHECK_ONLY:-tests,step,micro,bench,pipeline,profile}"
[[ $only == *tests* ]] && stage "engine CUDA tests" 100 gpu-tests.log "${junit[@]}" --select-package org.jvicreg.engine.cuda
[[ $only == *step* ]] && stage "ResNet-50 VICReg step vs CPU" 100 gpu-tests.log "${junit[@]}" --select-package org.jvicreg.vicreg.cuda
[[ $only == *micro* ]] && stage "engine CUDA micro-benchmark" 40 gpu-bench.log "${java[@]}" -cp "$cp" org.jvicreg.engine.cuda.CudaBench

if [[ $only == *bench* ]]; then
quick=(--warmup 3 --runs 10 --seconds 2)
cli=("${java[@]}" -cp "$cp" org.jvicreg.vicreg.cli.Main bench --device cuda "${quick[@]}")
torchw=($py bench/pytorch/workloads.py --device cuda "${quick[@]}")
stage "jvicreg vicreg-loss n=2048" 40 bench.log "${cli[@]}" vicreg-loss --n 2048 --d 8192
stage "torch vicreg-loss n=2048 official (direct)" 40 bench.log "${torchw[@]}" vicreg-loss --n 2048 --d 8192 --cov direct
stage "torch vicreg-loss n=2048 gram" 40 bench.log "${torchw[@]}" vicreg-loss --n 2048 --d 8192 --cov gram
stage "jvicreg resnet50-step b16" 50 bench.log "${cli[@]}" resnet50-step --batch 16 --size 224
stage "torch resnet50-step b16" 45 bench.log "${torchw[@]}" resnet50-step --batch 16 --size 224
stage "jvicreg resnet50-step b64" 60 bench.log "${cli[@]}" resnet50-step --batch 64 --size 224
stage "torch resnet50-step b64" 45 bench.log "${torchw[@]}" resnet50-step --batch 64 --size 224
stage "jvicreg vicreg-step b16 (ResNet-50, 8192 expander, LARS)" 60 bench.log "${cli[@]}" vicreg-step --batch 16 --size 224
stage "torch vicreg-step b16" 45 bench.log "${torchw[@]}" vicreg-step --batch 16 --size 224
stage "jvicreg vicreg-step b64" 80 bench.log "${cli[@]}" vicreg-step --batch 64 --size 224
stage "torch vicreg-step b64" 45 bench.log "${torchw[@]}" vicreg-step --batch 64 --size 224
stage "jvicreg resnet50-step b16 cudnn benchmark" 60 bench.log "${cli[@]}" resnet50-step --batch 16 --size 224 --cudnn-benchmark
stage "torch resnet50-step b16 cudnn.benchmark" 45 bench.log "${torchw[@]}" resnet50-step --batch 16 --size 224 --cudnn-benchmark
stage "jvicreg resnet50-step b64 cudnn benchmark" 70 bench.log "${cli[@]}" resnet50-step --batch 64 --size 224 --cudnn-benchmark
stage "torch resnet50-step b64 cudnn.benchmark" 45 bench.log "${torchw[@]}" resnet50-step --batch 64 --size 224 --cudnn-benchmark
fi

if [[ $only == *profile* ]]; then
  stage "VICReg loss phases" 60 profile.log "${java[@]}" -cp "$cp" org.jvicreg.vicreg.cuda.VicregLossPhases
  # host time per convolution call, cuDNN's legacy API against the graph API's cached plans, batch 16
  stage "convolution host time" 60 profile.log "${java[@]}" -cp "$cp" org.jvicreg.engine.cuda.ConvHostTime 16
  # where a ResNet-50 step's GPU time goes, per cuDNN/cuBLAS call and kernel with its shapes (each call synchronised)
  stage "jvicreg resnet50-step b16, per-primitive profile" 60 profile.log "${java[@]}" -cp "$cp" \
    org.jvicreg.vicreg.cli.Main bench resnet50-step --device cuda --batch 16 --size 224 --warmup 3 --runs 3 \
    --seconds 2 --profile-shapes
fi
if [[ $only == *jfr* ]]; then
  # the host side of a ResNet-50 step: a flight recording (jfr print --events jdk.ExecutionSample) and the GC log
  stage "jvicreg resnet50-step b16, profiled" 60 profile.log "${java[@]}" -Xlog:gc:file="$logs/gc.log" \
    -XX:StartFlightRecording=filename="$logs/step.jfr",settings=profile -cp "$cp" org.jvicreg.vicreg.cli.Main bench \
    resnet50-step --device cuda --batch 16 --size 224 --warmup 3 --runs 10 --seconds 8
fi

if [[ $only == *pipeline* ]] && [ -d "$bundle/fmnist" ]; then
  main=("${java[@]}" -cp "$cp" org.jvicreg.vicreg.cli.Main)
  run="$tmp/run"
  stage "pretrain on the GPU (3000 images, 2 epochs)" 90 pipeline.log "${main[@]}" pretrain --device cuda \
    --data "$bundle/fmnist" --dataset fashion-mnist --arch resnet18 --width 16 --mlp 512-512-512 --batch 256 \
    --epochs 2 --base-lr 0.3 --knn-every 1 --knn-bank 2000 --knn-queries 500 --out "$run"
  stage "knn on the GPU" 60 pipeline.log "${main[@]}" knn --device cuda --run "$run"
  stage "knn on the CPU, same run" 60 pipeline.log "${main[@]}" knn --run "$run"
  stage "linear-eval on the GPU" 60 pipeline.log "${main[@]}" linear-eval --device cuda --run "$run" --epochs 10
  cp "$run/metrics.jsonl" "$logs/pipeline-metrics.jsonl" 2>/dev/null
  cp "$run/knn.jsonl" "$logs/pipeline-knn.jsonl" 2>/dev/null
  fx="$bundle/vicreg-test-classes/fixtures/vicreg_loss"
  for c in correlated n16_d37_gram near_collapse; do
    for d in cuda cpu; do
      stage "loss on $d, fixture $c" 30 pipeline.log "${main[@]}" loss --device $d --a "$fx/$c/x.npy" --b "$fx/$c/y.npy"
    done
  done
fi

echo "== JSON lines"
grep -h '^{"name"' "$logs/bench.log" 2>/dev/null | tee "$logs/bench.jsonl"
grep -h '^{' "$logs/pipeline.log" 2>/dev/null
echo "== failed stages:${failed:- none}"
[ -z "$failed" ]

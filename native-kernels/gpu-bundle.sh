#!/usr/bin/env bash
# Packs what gpu-check.sh needs on a GPU machine that has neither Java nor Maven: a jlink'd Java 25
# runtime, the main and test classes of engine, nn and vicreg (the CLI's `bench` and the ResNet-50 step
# test), their dependencies (JCuda's natives jar cut down to the driver library, the only one loaded)
# and the JUnit console launcher.
# Output: engine/target/gpu-bundle (under target/, so git ignores it), about 55 MB.
#
# usage (where a JDK 25 and Maven are):  native-kernels/gpu-bundle.sh
# then copy the repository with engine/target/gpu-bundle to the GPU machine and run there:
#   bash native-kernels/gpu-check.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/engine/target/gpu-bundle"
jdk="$("$root/bin/find-jdk")"   # jar and jlink of a JDK 25; Maven finds its own through toolchains
junit_console=1.14.1
cd "$root"

mvn -q -B test-compile -pl engine,nn,vicreg
rm -rf "$out"
mkdir -p "$out/lib"
mvn -q -B dependency:copy-dependencies -pl engine -DincludeScope=test -DoutputDirectory="$out/lib"
mvn -q -B dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:$junit_console \
  -DoutputDirectory="$out"
# the console launcher bundles JUnit itself
rm -f "$out"/lib/junit-*.jar "$out"/lib/opentest4j-*.jar "$out"/lib/apiguardian-api-*.jar

# JCuda's natives jar also holds 25 MB of NVRTC and PTX-compiler bindings that are never loaded
natives=$(ls "$out"/lib/jcuda-natives-*-linux-x86_64.jar)
tmp=$(mktemp -d)
(cd "$tmp" && "$jdk/bin/jar" xf "$natives" && rm -f lib/libJNvPTXCompiler-* lib/libJNvrtc-* \
  && "$jdk/bin/jar" cf "$natives" -C "$tmp" .)
rm -rf "$tmp"

cp -r engine/target/classes "$out/classes"
cp -r engine/target/test-classes "$out/test-classes"
for m in nn vicreg; do
  cp -r $m/target/classes "$out/$m-classes"
  cp -r $m/target/test-classes "$out/$m-test-classes"
done
# the JDK modules the classes and the JUnit launcher use, plus jdk.jfr for profiling the host side there
"$jdk/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.management,jdk.unsupported,jdk.incubator.vector,jdk.jfr \
  --compress=zip-9 --strip-debug --no-header-files --no-man-pages --output "$out/jre"

# 3,000 Fashion-MNIST test images (as both splits) for a short pretrain / probe run on the GPU
fm=/usr/share/datasets/fashion-mnist
if [ -f "$fm/t10k-images-idx3-ubyte.gz" ]; then
  mkdir -p "$out/fmnist"
  python3 - "$fm" "$out/fmnist" <<'PY'
import gzip, struct, sys
src, dst, keep = sys.argv[1], sys.argv[2], 3000
for kind, header in (("images-idx3", 16), ("labels-idx1", 8)):
    raw = gzip.open(f"{src}/t10k-{kind}-ubyte.gz").read()
    count_and_dims = bytearray(raw[:header])
    struct.pack_into(">I", count_and_dims, 4, keep)
    item = 784 if kind.startswith("images") else 1
    body = raw[header:header + keep * item]
    for split in ("train", "t10k"):
        with gzip.open(f"{dst}/{split}-{kind}-ubyte.gz", "wb") as f:
            f.write(bytes(count_and_dims) + body)
PY
fi
du -sh "$out"
echo "copy the repository with engine/target/gpu-bundle to the GPU machine and run there: bash native-kernels/gpu-check.sh"

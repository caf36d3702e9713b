#!/usr/bin/env bash
# Packs what gpu-check.sh needs on a GPU machine that has neither Java nor Maven: a jlink'd Java 25
# runtime, the engine's main and test classes, their dependencies (JCuda's natives jar cut down to
# the driver library, the only one loaded) and the JUnit console launcher.
# Output: engine/target/gpu-bundle (under target/, so git ignores it), about 55 MB.
#
# usage (here, with a JDK 25 and Maven):  native-kernels/gpu-bundle.sh
# then on the GPU machine, carrying engine/target/gpu-bundle:  bash native-kernels/gpu-check.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/engine/target/gpu-bundle"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
junit_console=1.14.1
cd "$root"

mvn -q -B test-compile -pl engine
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
(cd "$tmp" && "$JAVA_HOME/bin/jar" xf "$natives" && rm -f lib/libJNvPTXCompiler-* lib/libJNvrtc-* \
  && "$JAVA_HOME/bin/jar" cf "$natives" -C "$tmp" .)
rm -rf "$tmp"

cp -r engine/target/classes "$out/classes"
cp -r engine/target/test-classes "$out/test-classes"
"$root/../shared/tools/make-jre" "$out/jre" >/dev/null
du -sh "$out"
echo "carry engine/target/gpu-bundle and run: bash native-kernels/gpu-check.sh"

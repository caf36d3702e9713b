#!/usr/bin/env bash
# The best hour: what Fashion-MNIST linear accuracy a one-hour budget (pre-training + probes, wall clock, the
# whole 2-core machine) buys. Every run is recipe R with one or two options changed; each `ablate` cell
# records its seconds. The choices are made on a validation split (--holdout 10000: pre-trained on the
# first 50,000 training images, probed on the last 10,000); the curve reports the test set.
#
# usage: bench/hour/run.sh [OUT_DIR]   (default runs/hour; resumable: finished cells are not run again)
# The last line draws bench/hour/best-hour.svg from the curve's runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-runs/hour}
v=bin/vicreg

# 1. A first look, on the test set: recipe R at base lr 0.3 shortened to 2 epochs on the first 20,000 images,
#    one change at a time.
$v ablate --out "$out/explore" --one-at-a-time --epochs 2 --limit 20000 --base-lr 0.3 \
    --grid "base-lr=0.6|1.2" --grid "batch=128" --grid "width=32" --grid "crop-scale=0.4,1" \
    --grid "mlp=1024-1024-1024"

# 2. The learning rate, on the validation split (19.2 diverges: the run stops with an error at step 45).
$v ablate --out "$out/lr" --epochs 2 --limit 20000 --holdout 10000 --grid "base-lr=0.3|1.2|2.4|4.8|9.6"
$v pretrain --out "$out/lr-19.2" --epochs 2 --limit 20000 --holdout 10000 --base-lr 19.2 || true

# 3. At the chosen learning rate, the expander and the crop scale, on the validation split.
$v ablate --out "$out/mlp" --epochs 2 --limit 20000 --holdout 10000 --base-lr 4.8 --grid "mlp=1024-1024-1024"
$v ablate --out "$out/crop" --epochs 2 --limit 20000 --holdout 10000 --base-lr 4.8 --grid "crop-scale=0.4,1"

# 4. The curve: all 60,000 training images at the chosen learning rate, 5 to 20 epochs, on the test set.
$v ablate --out "$out/full" --base-lr 4.8 --grid "epochs=5|20|10"

# 5. Recipe R (5 epochs) at the chosen learning rate, on the validation split.
$v ablate --out "$out/recipe-holdout" --holdout 10000 --grid "base-lr=4.8"

python3 bench/hour/plot.py bench/hour/best-hour.svg \
    "2 epochs on 20,000 images=$out/explore" "base-lr 4.8, 60,000 images=$out/full"

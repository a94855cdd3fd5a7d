#!/usr/bin/env bash
# The published semi-supervised grid: base lr {0.001, 0.01, 0.1} x head lr
# multiplier {1, 10, 100}, one fine-tuning run each; report the best.
# Usage: bash benchmarks/classification/semi_sup_grid.sh CONFIG PRETRAINED \
#            GPUS [tools/train.py options]
set -e
CONFIG=$1
PRETRAINED=$2
GPUS=$3
HERE="$(cd "$(dirname "$0")" && pwd)"
BASE=${WORK_DIR:-work_dirs/benchmarks/$(basename "${CONFIG%.py}")}
for LR in ${LRS:-0.001 0.01 0.1}; do
    for MULT in ${HEAD_MULTS:-1 10 100}; do
        WORK_DIR="$BASE/lr${LR}_head${MULT}" bash "$HERE/dist_train_linear.sh" \
            "$CONFIG" "$PRETRAINED" "$GPUS" "${@:4}" --cfg-options \
            optim_wrapper.optimizer.lr=$LR \
            optim_wrapper.paramwise_cfg.custom_keys.head.lr_mult=$MULT
    done
done

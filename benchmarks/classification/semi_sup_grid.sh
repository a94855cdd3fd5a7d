#!/usr/bin/env bash
# The published semi-supervised grid: base lr {0.001, 0.01, 0.1} x head lr
# multiplier {1, 10, 100}, one fine-tuning run each (in
# WORK_DIR/lr<LR>_head<MULT>); report the best. Arguments and environment:
# tools/benchmarks/launcher_args.sh; LRS and HEAD_MULTS change the grid.
set -e
USAGE="bash benchmarks/classification/semi_sup_grid.sh CONFIG PRETRAINED [GPUS] [train.py options]"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
source "$ROOT/tools/benchmarks/launcher_args.sh"
BASE=$WORK_DIR
for LR in ${LRS:-0.001 0.01 0.1}; do
    for MULT in ${HEAD_MULTS:-1 10 100}; do
        WORK_DIR="$BASE/lr${LR}_head${MULT}" \
            bash "$ROOT/benchmarks/classification/dist_train_linear.sh" \
            "$CONFIG" "$PRETRAINED" "$GPUS" "${OPTIONS[@]}" --cfg-options \
            optim_wrapper.optimizer.lr=$LR \
            optim_wrapper.paramwise_cfg.custom_keys.head.lr_mult=$MULT
    done
done

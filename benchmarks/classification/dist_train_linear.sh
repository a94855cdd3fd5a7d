#!/usr/bin/env bash
# Linear / multi-head linear evaluation or fine-tuning from a pretrained
# backbone.
# Usage: bash benchmarks/classification/dist_train_linear.sh CONFIG \
#            PRETRAINED GPUS [tools/train.py options]
# PRETRAINED: a RotationPred checkpoint, backbone-only weights, or "none"
# (random-initialisation baseline). Its backbone is written to
# WORK_DIR/pretrained_backbone.pth and loaded via init_cfg.
set -e
CONFIG=$1
PRETRAINED=$2
GPUS=$3
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export PYTHONPATH="$ROOT:$PYTHONPATH"
WORK_DIR=${WORK_DIR:-work_dirs/benchmarks/$(basename "${CONFIG%.py}")/$(basename "${PRETRAINED%.*}")}
mkdir -p "$WORK_DIR"

if [ "$PRETRAINED" = "none" ]; then
    INIT="model.backbone.init_cfg=None"
else
    CKPT="$WORK_DIR/pretrained_backbone.pth"
    python "$ROOT/tools/benchmarks/prepare_pretrained.py" "$PRETRAINED" \
        "$CKPT"
    INIT="model.backbone.init_cfg.checkpoint=$CKPT"
fi
bash "$ROOT/tools/dist_train.sh" "$CONFIG" "$GPUS" --work-dir "$WORK_DIR" \
    "${@:4}" --cfg-options "$INIT"

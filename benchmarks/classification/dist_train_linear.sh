#!/usr/bin/env bash
# Linear / multi-head linear evaluation or fine-tuning from a pretrained
# backbone. Arguments and environment: tools/benchmarks/launcher_args.sh.
# The checkpoint's backbone is written to WORK_DIR/pretrained_backbone.pth
# and loaded via init_cfg; after training, the accuracy per stage is drawn
# in WORK_DIR/linear_per_stage.png.
set -e
USAGE="bash benchmarks/classification/dist_train_linear.sh CONFIG PRETRAINED [GPUS] [train.py options]"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
source "$ROOT/tools/benchmarks/launcher_args.sh"
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
    "${OPTIONS[@]}" --cfg-options "$INIT"
python "$ROOT/tools/analysis/plot_linear_stages.py" "$WORK_DIR" \
    "$WORK_DIR/linear_per_stage.png"

#!/usr/bin/env bash
# VOC07 SVM (+ low-shot SVM) of a pretrained backbone.
# Usage: bash benchmarks/svm_voc07/extract_and_svm.sh CONFIG PRETRAINED GPUS \
#            [WORK_DIR] [svm_voc07.py options, e.g. --low-shot]
# PRETRAINED: a RotationPred checkpoint, backbone-only weights, or "none".
# GPUS processes extract the features (torchrun; gloo on CPU); the SVMs use
# every core. Features and results go to WORK_DIR/features.
set -e
CONFIG=$1
PRETRAINED=$2
GPUS=$3
WORK_DIR=${4:-work_dirs/benchmarks/svm_voc07/$(basename "${CONFIG%.py}")}
PORT=${PORT:-29520}
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export PYTHONPATH="$ROOT:$PYTHONPATH"

python -m torch.distributed.run --nproc_per_node="$GPUS" \
    --master_port="$PORT" "$ROOT/tools/benchmarks/extract.py" "$CONFIG" \
    --checkpoint "$PRETRAINED" --out-dir "$WORK_DIR/features" \
    --launcher pytorch
python "$ROOT/tools/benchmarks/svm_voc07.py" "$WORK_DIR/features" "${@:5}"

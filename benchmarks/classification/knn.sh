#!/usr/bin/env bash
# Weighted kNN (k = 10, 20, 100, 200) on frozen, globally pooled features.
# Usage: bash benchmarks/classification/knn.sh CONFIG PRETRAINED GPUS \
#            [WORK_DIR] [knn.py options]
# CONFIG is an extraction config with "train" and "val" splits, e.g.
# benchmarks/classification/imagenet/knn_resnet50_in1k.py.
set -e
CONFIG=$1
PRETRAINED=$2
GPUS=$3
WORK_DIR=${4:-work_dirs/benchmarks/knn/$(basename "${CONFIG%.py}")}
PORT=${PORT:-29521}
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export PYTHONPATH="$ROOT:$PYTHONPATH"

python -m torch.distributed.run --nproc_per_node="$GPUS" \
    --master_port="$PORT" "$ROOT/tools/benchmarks/extract.py" "$CONFIG" \
    --checkpoint "$PRETRAINED" --out-dir "$WORK_DIR/features" \
    --launcher pytorch
python "$ROOT/tools/benchmarks/knn.py" "$WORK_DIR/features" "${@:5}"

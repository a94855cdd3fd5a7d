#!/usr/bin/env bash
# Weighted kNN (k = 10, 20, 100, 200) on frozen, globally pooled features.
# Arguments and environment: tools/benchmarks/launcher_args.sh. CONFIG is an
# extraction config with "train" and "val" splits, e.g.
# benchmarks/classification/imagenet/knn_resnet50_in1k.py. GPUS processes
# extract the features (torchrun; gloo on CPU) into WORK_DIR/features,
# where the results and knn.png are written.
set -e
USAGE="bash benchmarks/classification/knn.sh CONFIG PRETRAINED [GPUS] [knn.py options]"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
source "$ROOT/tools/benchmarks/launcher_args.sh"
take_cfg_options
PORT=${PORT:-29521}

python -m torch.distributed.run --nproc_per_node="$GPUS" \
    --master_port="$PORT" "$ROOT/tools/benchmarks/extract.py" "$CONFIG" \
    --checkpoint "$PRETRAINED" --out-dir "$WORK_DIR/features" \
    --launcher pytorch "${CFG_OPTIONS[@]}"
python "$ROOT/tools/benchmarks/knn.py" "$WORK_DIR/features" "${OPTIONS[@]}"

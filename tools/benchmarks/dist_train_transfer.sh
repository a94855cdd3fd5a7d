#!/usr/bin/env bash
# Usage: bash tools/benchmarks/dist_train_transfer.sh CONFIG PRETRAINED GPUS
#            [train_transfer.py options]
# Fine-tunes an mmdet/mmseg benchmark config from our pretrained backbone
# with torchrun, then tests it. NNODES, NODE_RANK, MASTER_ADDR and PORT are
# honoured. Without CUDA the processes run on the CPU with gloo.
set -e
CONFIG=$1
PRETRAINED=$2
GPUS=$3
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"

PYTHONPATH="$ROOT:$PYTHONPATH" \
python -m torch.distributed.run \
    --nnodes=$NNODES \
    --node_rank=$NODE_RANK \
    --master_addr=$MASTER_ADDR \
    --nproc_per_node=$GPUS \
    --master_port=$PORT \
    "$ROOT/tools/benchmarks/train_transfer.py" \
    $CONFIG \
    $PRETRAINED \
    --launcher pytorch "${@:4}"

#!/usr/bin/env bash
# Fine-tunes an mmdet/mmseg benchmark config from our pretrained backbone
# with torchrun, then tests it, in WORK_DIR (a --work-dir option wins).
# Arguments and environment: tools/benchmarks/launcher_args.sh; NNODES,
# NODE_RANK, MASTER_ADDR and PORT are honoured. Without CUDA the processes
# run on the CPU with gloo.
set -e
USAGE="bash tools/benchmarks/dist_train_transfer.sh CONFIG PRETRAINED [GPUS] [train_transfer.py options]"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
source "$ROOT/tools/benchmarks/launcher_args.sh"
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}

python -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$ROOT/tools/benchmarks/train_transfer.py" \
    "$CONFIG" \
    "$PRETRAINED" \
    --launcher pytorch --work-dir "$WORK_DIR" "${OPTIONS[@]}"

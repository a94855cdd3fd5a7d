#!/usr/bin/env bash
# Usage: GPUS=8 bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG [WORK_DIR] [options]
#
# WORK_DIR is optional: a fourth argument that starts with '-' is the first
# option for tools/train.py (e.g. `... CONFIG --amp`), not a work directory.
# Environment: GPUS (8), GPUS_PER_NODE (8), CPUS_PER_TASK (5), SRUN_ARGS.
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: GPUS=8 bash $0 PARTITION JOB_NAME CONFIG [WORK_DIR] [options]" >&2
    exit 2
fi
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
shift 3
WORK_DIR_ARGS=()
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    WORK_DIR_ARGS=(--work-dir "$1")
    shift
fi
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
# SRUN_ARGS is split on spaces on purpose (several srun options)
read -r -a SRUN_EXTRA <<< "${SRUN_ARGS:-}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

set -x
PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" \
srun -p "$PARTITION" \
    --job-name="$JOB_NAME" \
    --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 \
    "${SRUN_EXTRA[@]}" \
    python -u "$ROOT/tools/train.py" "$CONFIG" "${WORK_DIR_ARGS[@]}" \
    --launcher=slurm "$@"
